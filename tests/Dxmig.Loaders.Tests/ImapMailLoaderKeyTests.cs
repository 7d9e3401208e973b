using Dxmig.Loaders.Imap;

namespace Dxmig.Loaders.Tests;

public sealed class ImapMailLoaderKeyTests
{
    [Theory]
    [InlineData("imap:17:42:INBOX", 17u, 42u, "INBOX")]
    [InlineData("imap:17:42:2024年度/会議:資料", 17u, 42u, "2024年度/会議:資料")]
    public void TargetKey_RoundTrips(string key, uint validity, uint uid, string folder)
    {
        ImapMailLoader.ParseKey(key).Should().Be((validity, uid, folder));
        ImapMailLoader.Key(validity, uid, folder).Should().Be(key);
    }
}
