using System.Text;
using Dxmig.Extractors.Csv;

namespace Dxmig.Extractors.Tests;

public sealed class ByteCsvReaderTests
{
    [Fact]
    public async Task Read_QuotedFieldsWithNewlinesAndDoubledQuotes_SplitsRecordsAndKeepsLineNumbers()
    {
        var records = await ReadAllAsync("a,b,c\r\n1,\"two\r\nlines\",\"say \"\"hi\"\"\"\r\n\r\nx,,\"\"\r\nlast,row,here");

        records.Select(r => r.Line).Should().Equal(1, 2, 5, 6);
        Fields(records[1]).Should().Equal("1", "two\r\nlines", "say \"hi\"");
        Fields(records[2]).Should().Equal("x", string.Empty, string.Empty);
        Fields(records[3]).Should().Equal("last", "row", "here");
    }

    [Theory]
    [InlineData("a,b\nc,d\n")]
    [InlineData("a,b\rc,d\r")]
    [InlineData("a,b\r\nc,d\r\n")]
    public async Task Read_AnyLineEnding_GivesTwoRecords(string text)
    {
        var records = await ReadAllAsync(text);

        records.Select(Fields).Should().BeEquivalentTo(new[] { new[] { "a", "b" }, new[] { "c", "d" } }, o => o.WithStrictOrdering());
        records.Select(r => r.Line).Should().Equal(1, 2);
    }

    [Fact]
    public async Task Read_UnclosedQuote_ReportsThatLineAndGoesOnWithTheNext()
    {
        var records = await ReadAllAsync("h1,h2\r\nok,1\r\n\"broken,2\r\nfine,3\r\n", maxLines: 1);

        records.Should().HaveCount(4);
        records[2].Malformed.Should().Contain("quote");
        records[2].Line.Should().Be(3);
        Fields(records[3]).Should().Equal("fine", "3");
        records[3].Line.Should().Be(4);
    }

    [Fact]
    public async Task Read_UnclosedQuoteAtTheEnd_IsMalformedNotSwallowed()
    {
        var records = await ReadAllAsync("h\r\n\"never closed\r\nmore text");

        records[1].Malformed.Should().NotBeNull();
        records[1].Line.Should().Be(2);
        Fields(records[2]).Should().Equal("more text");
    }

    [Fact]
    public async Task Read_Cp932BytesWithQuoteLikeTrailBytes_AreNotSplit()
    {
        // "ソ" is 0x83 0x5C and "表" is 0x95 0x5C in CP932: the trail byte 0x5C is '\', never a separator.
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var cp932 = Encoding.GetEncoding(932);
        var bytes = cp932.GetBytes("名前,メモ\r\nソフト表示,\"①㈱髙\r\n二行\"\r\n");

        var records = await ReadAllAsync(bytes);

        records.Should().HaveCount(2);
        cp932.GetString(records[1].Field(0)).Should().Be("ソフト表示");
        cp932.GetString(records[1].Field(1)).Should().Be("①㈱髙\r\n二行");
    }

    private static string[] Fields(CsvRawRecord record) =>
        [.. Enumerable.Range(0, record.Fields.Count).Select(i => Encoding.UTF8.GetString(record.Field(i)))];

    private static Task<List<CsvRawRecord>> ReadAllAsync(string text, int maxLines = ByteCsvReader.DefaultMaxRecordLines) =>
        ReadAllAsync(Encoding.UTF8.GetBytes(text), maxLines);

    private static async Task<List<CsvRawRecord>> ReadAllAsync(byte[] bytes, int maxLines = ByteCsvReader.DefaultMaxRecordLines)
    {
        using var stream = new MemoryStream(bytes);
        var reader = new ByteCsvReader(stream, maxRecordLines: maxLines);
        var records = new List<CsvRawRecord>();
        while (await reader.ReadAsync(default) is { } record)
        {
            records.Add(record);
        }

        return records;
    }
}
