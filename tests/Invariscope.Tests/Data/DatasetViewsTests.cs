using Invariscope.Data;
using Invariscope.Runtime;

namespace Invariscope.Tests.Data;

public class DatasetViewsTests
{
    static readonly SyntheticDataset Base = new(SyntheticTask.Shapes, 600, seed: 3);

    static int[] BaseIndices(IImageDataset d) => ((SubsetDataset)d).Indices.ToArray();

    [Fact]
    public void SplitIsDisjointCoveringStratifiedAndDeterministic()
    {
        var (train, val) = Base.Split(0.2, seed: 5);
        var t = BaseIndices(train);
        var v = BaseIndices(val);
        Assert.Empty(t.Intersect(v));
        Assert.Equal(Enumerable.Range(0, 600), t.Concat(v).Order());
        Assert.Equal(120, v.Length);
        Assert.All(val.ClassCounts(), c => Assert.Equal(20, c));
        Assert.Equal(v, BaseIndices(Base.Split(0.2, seed: 5).val));
        Assert.NotEqual(v, BaseIndices(Base.Split(0.2, seed: 6).val));
        Assert.Equal(Base.GetLabel(v[3]), val.GetLabel(3));
        Assert.Equal(Base.GetImage(v[3]).Pixels, val.GetImage(3).Pixels);
    }

    [Fact]
    public void SelectClassesRelabelsInTheGivenOrder()
    {
        var sub = Base.SelectClasses([4, 1]);
        Assert.Equal([Base.ClassNames[4], Base.ClassNames[1]], sub.ClassNames);
        Assert.Equal([100, 100], sub.ClassCounts());
        for (int i = 0; i < sub.Count; i++)
            Assert.Equal(Base.GetLabel(sub.Indices[i]) == 4 ? 0 : 1, sub.GetLabel(i));
        Assert.Throws<InvariscopeException>(() => Base.SelectClasses([6]));
        Assert.Throws<InvariscopeException>(() => Base.SelectClasses([1, 1]));
    }

    [Fact]
    public void LimitTakesASeededSubsetInIndexOrderOrTheFirstN()
    {
        var a = BaseIndices(Base.Limit(50, 1));
        Assert.Equal(50, a.Length);
        Assert.Equal(a.Order(), a);
        Assert.Equal(a, BaseIndices(Base.Limit(50, 1)));
        Assert.NotEqual(a, BaseIndices(Base.Limit(50, 2)));
        Assert.Equal(Enumerable.Range(0, 50), BaseIndices(Base.Limit(50, null)));
        Assert.Equal(600, Base.Limit(10_000).Count);
    }

    [Fact]
    public void ClassCountsSumToCount()
    {
        var sub = Base.SelectClasses([0, 2, 5]).Limit(77, 9);
        Assert.Equal(77, sub.ClassCounts().Sum());
    }
}
