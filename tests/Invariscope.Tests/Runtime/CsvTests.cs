using Invariscope.Runtime;

namespace Invariscope.Tests.Runtime;

public class CsvTests
{
    [Fact]
    public void Fields_with_commas_quotes_and_line_breaks_read_back_with_an_rfc4180_parser()
    {
        string[] fields = ["plain", "a,b", "say \"hi\"", "two\nlines", "", "pretrained → FT", "x;y/z"];
        var text = Csv.Row("c0", "c1", "c2", "c3", "c4", "c5", "c6") + "\n" + Csv.Row(fields) + "\n";
        var table = CsvTable.Parse(text);
        Assert.Equal(["c0", "c1", "c2", "c3", "c4", "c5", "c6"], table.Header);
        Assert.Equal(fields, Assert.Single(table.Rows));
        Assert.Equal("plain", Csv.Field("plain")); // quoted only when needed
        Assert.Equal("\"a,b\"", Csv.Field("a,b"));
    }

    [Fact]
    public void Numbers_round_trip_and_undefined_values_read_as_NaN()
    {
        Assert.Equal("0.1", Csv.Number(0.1));
        Assert.Equal(1.0 / 3, double.Parse(Csv.Number(1.0 / 3), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("NaN", Csv.Number(double.NaN)); // pandas reads "NaN" as NaN
        Assert.Equal("", Csv.Number((double?)null));
        Assert.Equal("", Csv.Integer(null));
        Assert.Equal("true", Csv.Bool(true));
    }
}
