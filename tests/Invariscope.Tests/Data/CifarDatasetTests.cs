using Invariscope.Data;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data;

public class CifarDatasetTests
{
    [Fact]
    public void Cifar10ReadsExactPixelsAndLabelsFromAllTrainBatches()
    {
        using var dir = new TempDir();
        TestFiles.WriteCifar10(dir.Path, perBatch: 2);
        var train = CifarDataset.Cifar10(dir.Path, train: true);
        Assert.Equal(10, train.Count);
        Assert.Equal(10, train.ClassNames.Count);
        Assert.Equal("truck", train.ClassNames[9]);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(i % 10, train.GetLabel(i));
            var image = train.GetImage(i);
            Assert.Equal((32, 32, 3), (image.Height, image.Width, image.Channels));
            Assert.Equal(TestFiles.CifarPixelsHwc(i), image.Pixels);
        }
        var test = CifarDataset.Cifar10(dir.Path, train: false);
        Assert.Equal(3, test.Count);
        Assert.Equal(TestFiles.CifarPixelsHwc(101), test.GetImage(1).Pixels);
        Assert.Equal(1, test.GetLabel(1));
    }

    [Fact]
    public void Cifar100ReadsFineOrCoarseLabels()
    {
        using var dir = new TempDir();
        TestFiles.WriteCifar100(dir.Path);
        var fine = CifarDataset.Cifar100(dir.Path, train: true);
        var coarse = CifarDataset.Cifar100(dir.Path, train: true, coarse: true);
        Assert.Equal(100, fine.ClassNames.Count);
        Assert.Equal(20, coarse.ClassNames.Count);
        Assert.Equal(4, fine.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(3 * i % 100, fine.GetLabel(i));
            Assert.Equal(i % 20, coarse.GetLabel(i));
            Assert.Equal(TestFiles.CifarPixelsHwc(i), fine.GetImage(i).Pixels);
        }
        var test = CifarDataset.Cifar100(dir.Path, train: false);
        Assert.Equal(2, test.Count);
        Assert.Equal(TestFiles.CifarPixelsHwc(51), test.GetImage(1).Pixels);
    }

    [Fact]
    public void MissingFolderIsAnErrorNamingIt()
    {
        var e = Assert.Throws<InvariscopeException>(() => CifarDataset.Cifar10("/no/such/cifar", true));
        Assert.Contains("/no/such/cifar", e.Message);
    }

    [Fact]
    public void MissingBatchFileIsAnErrorNamingIt()
    {
        using var dir = new TempDir();
        TestFiles.WriteCifar10(dir.Path);
        File.Delete(dir.File("data_batch_3.bin"));
        var e = Assert.Throws<InvariscopeException>(() => CifarDataset.Cifar10(dir.Path, true));
        Assert.Contains("data_batch_3.bin", e.Message);
    }

    [Fact]
    public void MissingClassNamesFileIsAnErrorNamingIt()
    {
        using var dir = new TempDir();
        TestFiles.WriteCifar100(dir.Path);
        File.Delete(dir.File("coarse_label_names.txt"));
        var e = Assert.Throws<InvariscopeException>(() => CifarDataset.Cifar100(dir.Path, true, coarse: true));
        Assert.Contains("coarse_label_names.txt", e.Message);
    }

    [Fact]
    public void TruncatedFileIsAnErrorNamingIt()
    {
        using var dir = new TempDir();
        TestFiles.WriteCifar10(dir.Path);
        var path = dir.File("test_batch.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^100]);
        var e = Assert.Throws<InvariscopeException>(() => CifarDataset.Cifar10(dir.Path, false));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeIsAnErrorNamingTheFile()
    {
        using var dir = new TempDir();
        TestFiles.WriteCifar10(dir.Path);
        var path = dir.File("test_batch.bin");
        File.WriteAllBytes(path, TestFiles.CifarRecord([12], TestFiles.CifarPixelsHwc(0)));
        var e = Assert.Throws<InvariscopeException>(() => CifarDataset.Cifar10(dir.Path, false));
        Assert.Contains(path, e.Message);
        Assert.Contains("label 12", e.Message);
    }
}
