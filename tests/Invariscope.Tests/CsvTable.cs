using Microsoft.VisualBasic.FileIO;

namespace Invariscope.Tests;

/// <summary>
/// A CSV file read back with an independent RFC 4180 parser (.NET's <see cref="TextFieldParser"/>: quoted fields,
/// doubled quotes, line breaks inside quotes), not with the code that wrote it. Every row must have as many fields as the header.
/// </summary>
sealed class CsvTable
{
    public required string[] Header { get; init; }
    public required List<string[]> Rows { get; init; }

    public static CsvTable Read(string path) => Parse(File.ReadAllText(path), path);

    public static CsvTable Parse(string text, string source = "csv")
    {
        using var parser = new TextFieldParser(new StringReader(text)) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var header = parser.ReadFields() ?? throw new InvalidDataException($"{source}: no header");
        var rows = new List<string[]>();
        while (!parser.EndOfData)
        {
            var fields = parser.ReadFields()!;
            Assert.True(fields.Length == header.Length, $"{source}, line {parser.LineNumber}: {fields.Length} fields, header has {header.Length}");
            rows.Add(fields);
        }
        return new CsvTable { Header = header, Rows = rows };
    }

    /// <summary>The column named <paramref name="name"/>.</summary>
    public IEnumerable<string> Column(string name)
    {
        int k = Array.IndexOf(Header, name);
        Assert.True(k >= 0, $"no column '{name}' in {string.Join(",", Header)}");
        return Rows.Select(r => r[k]);
    }

    /// <summary>The value of column <paramref name="name"/> in <paramref name="row"/>.</summary>
    public string Get(string[] row, string name) => row[Array.IndexOf(Header, name)];
}
