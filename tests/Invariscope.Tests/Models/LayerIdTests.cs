using Invariscope.Models;
using Invariscope.Runtime;

namespace Invariscope.Tests.Models;

public class LayerIdTests
{
    [Fact]
    public void NamesRoundTripAndAreTheResultFileNames()
    {
        Assert.Equal(["block0", "block11", "final_norm", "pre_logits"],
            new[] { LayerId.OfBlock(0), LayerId.OfBlock(11), LayerId.FinalNorm, LayerId.PreLogits }.Select(l => l.Name));
        foreach (var layer in LayerId.Every(12))
        {
            Assert.True(LayerId.TryParse(layer.Name, out var back));
            Assert.Equal(layer, back);
        }
    }

    [Theory]
    [InlineData("block")]
    [InlineData("block-1")]
    [InlineData("block01")]
    [InlineData("Block1")]
    [InlineData("logits")]
    [InlineData("block99999999999")]
    [InlineData(null)]
    public void TryParseTakesOnlyTheWrittenNames(string? name) => Assert.False(LayerId.TryParse(name, out _));

    [Fact]
    public void OrderIsDepthOrder()
    {
        LayerId[] shuffled = [LayerId.PreLogits, LayerId.OfBlock(10), LayerId.FinalNorm, LayerId.OfBlock(2)];
        Assert.Equal(["block2", "block10", "final_norm", "pre_logits"], shuffled.Order().Select(l => l.Name));
        Assert.True(LayerId.OfBlock(3) < LayerId.FinalNorm && LayerId.FinalNorm < LayerId.PreLogits);
        Assert.Equal(11, LayerId.PreLogits.LastBlock(12));
        Assert.Equal(11, LayerId.FinalNorm.LastBlock(12));
        Assert.Equal(4, LayerId.OfBlock(4).LastBlock(12));
    }

    [Fact]
    public void SortedChecksTheDepthAndRemovesDuplicates()
    {
        Assert.Equal([LayerId.OfBlock(1), LayerId.PreLogits], LayerId.Sorted([LayerId.PreLogits, LayerId.OfBlock(1), LayerId.PreLogits], 4, "layers"));
        Assert.Contains("layers: block4 is out of range", Assert.Throws<InvariscopeException>(() => LayerId.Sorted([LayerId.OfBlock(4)], 4, "layers")).Message);
        Assert.Contains("no layers", Assert.Throws<InvariscopeException>(() => LayerId.Sorted([], 4, "layers")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerId.OfBlock(-1));
    }
}
