using Invariscope.Data;

namespace Invariscope.Tests.Data;

/// <summary>A fact that shows as skipped, saying why, when Fashion-MNIST is not installed.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public FashionMnistFactAttribute()
    {
        if (!Directory.Exists(Folder))
            Skip = $"Fashion-MNIST is not installed at {Folder} (apt-get install dataset-fashion-mnist)";
    }
}

public class FashionMnistTests
{
    const string Folder = FashionMnistFactAttribute.Folder;

    [FashionMnistFact]
    public void TrainHas60000BalancedExamplesOfTenClasses()
    {
        var train = IdxDataset.OpenFolder("fashion-mnist", Folder, train: true, IdxDataset.FashionMnistClasses);
        Assert.Equal(60000, train.Count);
        Assert.Equal(10, train.ClassNames.Count);
        Assert.All(train.ClassCounts(), c => Assert.Equal(6000, c));
        var image = train.GetImage(0);
        Assert.Equal((28, 28, 1), (image.Height, image.Width, image.Channels));
        Assert.Equal(9, train.GetLabel(0)); // the first training image is an ankle boot
    }

    [FashionMnistFact]
    public void TestHas10000Examples()
    {
        var test = DatasetSpecs.Open($"fashion-mnist:{Folder}?split=test");
        Assert.Equal(10000, test.Count);
        Assert.All(test.ClassCounts(), c => Assert.Equal(1000, c));
    }
}
