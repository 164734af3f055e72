using Invariscope.Analysis.Statistics;

namespace Invariscope.Tests.Analysis.Statistics;

public class SeriesDeduplicationTests
{
    [Fact]
    public void TheFirstOfIdenticalSeriesRepresentsThem()
    {
        double[][] series =
        [
            [1, 2, 3],
            [1, 2, 3 + 1e-13],          // within 1e-12
            [1, 2, 3 + 1e-9],           // not
            [double.NaN, 2, 3],
            [double.NaN, 2, 3],         // NaN matches NaN
            [0, 2, 3],                  // NaN does not match a number
            [1, 2],                     // another length
        ];
        Assert.Equal([0, 0, 2, 3, 3, 5, 6], SeriesDeduplication.Representatives(series));
        Assert.Equal([0, 1, 2, 3, 3, 5, 6], SeriesDeduplication.Representatives(series, tolerance: 0));
    }

    [Fact]
    public void TheRepresentativeIsTheFirstMatchNotTheClosest()
    {
        // Chains do not merge transitively: b is within tolerance of a, c only of b, so c stays its own series.
        double[][] series = [[0.0], [0.8e-12], [1.6e-12]];
        Assert.Equal([0, 0, 2], SeriesDeduplication.Representatives(series));
    }
}
