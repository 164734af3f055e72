using Invariscope.Data;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data;

[Collection("DatasetSpecs")]
public class DatasetSpecsTests
{
    [Fact]
    public void SyntheticSpecReadsItsKeys()
    {
        var ds = Assert.IsType<SyntheticDataset>(DatasetSpecs.Open("synthetic:count?size=16&n=30&seed=4&shift=ood"));
        Assert.Equal((SyntheticTask.Count, 16, 30, true), (ds.Task, ds.Size, ds.Count, ds.Ood));
        Assert.Equal(new SyntheticDataset(SyntheticTask.Count, 30, 4, 16, true).GetImage(7).Pixels, ds.GetImage(7).Pixels);
    }

    [Fact]
    public void CommonKeysApplyClassesThenSplitThenLimit()
    {
        var ds = DatasetSpecs.Open("synthetic:shapes?n=600&classes=0-2&val=0.1&part=val&split_seed=3&limit=12&limit_seed=1");
        var expected = new SyntheticDataset(SyntheticTask.Shapes, 600).SelectClasses([0, 1, 2]).Split(0.1, 3).val.Limit(12, 1);
        Assert.Equal(3, ds.ClassNames.Count);
        Assert.Equal(12, ds.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(expected.GetLabel), Enumerable.Range(0, 12).Select(ds.GetLabel));
        Assert.Equal(expected.GetImage(5).Pixels, ds.GetImage(5).Pixels);
        Assert.Equal(["circle", "square", "cross"], DatasetSpecs.Open("synthetic:shapes?n=60&classes=0,1,3").ClassNames);
    }

    [Fact]
    public void TrainAndValPartsAreComplementary()
    {
        var train = DatasetSpecs.Open("synthetic:texture?n=100&val=0.3");
        var val = DatasetSpecs.Open("synthetic:texture?n=100&val=0.3&part=val");
        Assert.Equal(100, train.Count + val.Count);
        Assert.Equal(30, val.Count);
    }

    [Fact]
    public void CifarAndIdxAndFolderSpecsOpen()
    {
        using var dir = new TempDir();
        var c10 = dir.Sub("c10");
        var c100 = dir.Sub("c100");
        var idx = dir.Sub("idx");
        TestFiles.WriteCifar10(c10);
        TestFiles.WriteCifar100(c100);
        TestFiles.Write(Path.Combine(idx, "t10k-images-idx3-ubyte.gz"), TestFiles.IdxImages(4, 2, 2));
        TestFiles.Write(Path.Combine(idx, "t10k-labels-idx1-ubyte.gz"), TestFiles.IdxLabels(4));
        File.WriteAllBytes(Path.Combine(dir.Sub("img/a"), "x.png"), ImageCodec.EncodePng(TestFiles.Pattern(3, 3, 0)));
        Assert.Equal(10, DatasetSpecs.Open($"cifar10:{c10}").Count);
        Assert.Equal(3, DatasetSpecs.Open($"cifar10:{c10}?split=test").Count);
        Assert.Equal(20, DatasetSpecs.Open($"cifar100:{c100}?split=test&labels=coarse").ClassNames.Count);
        Assert.Equal("Coat", DatasetSpecs.Open($"fashion-mnist:{idx}?split=test").ClassNames[4]);
        Assert.Equal(4, DatasetSpecs.Open($"mnist:{idx}?split=test").Count);
        Assert.Equal(1, DatasetSpecs.Open($"folder:{dir.File("img")}?skip_bad=true").Count);
    }

    [Theory]
    [InlineData("imagenet:/x", "unknown scheme 'imagenet'; schemes: cifar10, cifar100, mnist, fashion-mnist, folder, synthetic")]
    [InlineData("/just/a/path", "expected SCHEME:PATH")]
    [InlineData("synthetic:shapes?colour=red", "unknown key 'colour'; valid keys for synthetic: size, n, seed, shift, classes")]
    [InlineData("synthetic:shapes?n=ten", "n=ten: expected an integer")]
    [InlineData("synthetic:shapes?shift=far", "shift=far: expected none or ood")]
    [InlineData("synthetic:shapes?classes=4-2", "classes=4-2")]
    [InlineData("synthetic:shapes?part=val", "need val=F")]
    [InlineData("synthetic:shapes?n=1&n=2", "key 'n' given twice")]
    [InlineData("cifar10:/x?split=dev", "split=dev: expected train or test")]
    public void BadSpecsAreClearErrors(string spec, string message)
    {
        var e = Assert.Throws<InvariscopeException>(() => DatasetSpecs.Open(spec));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void NewSchemesRegisterWithOneLine()
    {
        DatasetSpecs.Schemes["tiny-test"] = new DatasetScheme("tiny-test:N", ["k"], (path, q) =>
            new SyntheticDataset(SyntheticTask.Count, int.Parse(path), q.Int("k", 0)));
        try
        {
            Assert.Equal(7, DatasetSpecs.Open("tiny-test:7?k=2&limit=100").Count);
            Assert.Contains("tiny-test:N", DatasetSpecs.Help);
        }
        finally { DatasetSpecs.Schemes.Remove("tiny-test"); }
    }
}
