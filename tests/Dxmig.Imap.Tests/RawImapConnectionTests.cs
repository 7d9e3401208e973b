using Dxmig.Imap;

namespace Dxmig.Imap.Tests;

public sealed class RawImapConnectionTests
{
    [Theory]
    [InlineData("X0003 OK [APPENDUID 1700000000 5:7] Append completed.", 3, 1700000000u, new uint[] { 5, 6, 7 })]
    [InlineData("X0003 OK [APPENDUID 42 9] done", 1, 42u, new uint[] { 9 })]
    [InlineData("X0003 OK [APPENDUID 42 3,5:6] done", 3, 42u, new uint[] { 3, 5, 6 })]
    [InlineData("X0003 OK Append completed.", 1, 0u, new uint[0])]
    public void ParseAppendUid_ReadsTheUidSet(string response, int count, uint validity, uint[] uids)
    {
        var result = RawImapConnection.ParseAppendUid(response, count);

        result.UidValidity.Should().Be(validity);
        result.Uids.Should().Equal(uids);
    }

    [Fact]
    public void ParseAppendUid_WithTooFewUids_GivesNoneRatherThanWrongOnes() =>
        RawImapConnection.ParseAppendUid("X1 OK [APPENDUID 1 4:5] ok", 3).Uids.Should().BeEmpty();

    [Theory]
    [InlineData("2021-04-01T09:30:05+09:00", "01-Apr-2021 09:30:05 +0900")]
    [InlineData("2019-12-31T23:59:59-05:30", "31-Dec-2019 23:59:59 -0530")]
    [InlineData("2000-01-02T03:04:05+00:00", "02-Jan-2000 03:04:05 +0000")]
    public void FormatDate_IsImapDateTime(string iso, string expected) =>
        RawImapConnection.FormatDate(DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture)).Should().Be(expected);
}

public sealed class UidSetTests
{
    [Theory]
    [InlineData(new uint[] { 1, 2, 3, 5, 7, 8 }, "1:3,5,7:8")]
    [InlineData(new uint[] { 9 }, "9")]
    [InlineData(new uint[] { 4, 2, 3, 3 }, "2:4")]
    public void UidSet_CompressesRuns(uint[] uids, string expected) => RawImapConnection.UidSet(uids).Should().Be(expected);
}
