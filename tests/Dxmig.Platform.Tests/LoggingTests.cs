using Dxmig.Platform.Logging;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging;

namespace Dxmig.Platform.Tests;

public sealed class LoggingTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("Host=db;Username=dxmig;Password=Pa55word!;Database=x", "Pa55word!")]
    [InlineData("Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.payload.sig", "eyJ0eXAiOiJKV1QiLCJhbGciOi")]
    [InlineData("GET /token?client_secret=abcSECRETxyz&grant_type=client_credentials", "abcSECRETxyz")]
    [InlineData("{\"access_token\":\"tok-123456789\",\"expires_in\":3599}", "tok-123456789")]
    [InlineData("imaps://admin:topsecret@imap.example.jp/INBOX", "topsecret")]
    [InlineData("C: A1 AUTHENTICATE PLAIN AGFkbWluAHNlY3JldA==", "AGFkbWluAHNlY3JldA==")]
    [InlineData("C: A1 LOGIN \"tanaka*admin\" \"MasterPass1\"", "MasterPass1")]
    [InlineData("C: a0007 login tanaka*admin MasterPass2", "MasterPass2")]
    [InlineData("C: . login tanaka MasterPass3", "MasterPass3")]
    public void Apply_SecretShapes_AreMasked(string text, string secret)
    {
        var masked = SecretMasker.Apply(text);

        masked.Should().NotContain(secret).And.Contain(SecretMasker.Mask);
    }

    [Fact]
    public void Apply_RegisteredSecret_IsMaskedAnywhere()
    {
        SecretMasker.Register("tr0ub4dor&3-unique-value");

        SecretMasker.Apply("server said: bad credentials tr0ub4dor&3-unique-value for user").Should()
            .Be("server said: bad credentials *** for user");
    }

    [Theory]
    [InlineData("the server refused the login (account tanaka, admin dxadmin): check the admin password")]
    [InlineData("サインイン / the login (account sato) was refused")]
    public void Apply_EnglishSentenceAboutALogin_IsLeftAlone(string text)
    {
        // A sentence a person reads is not an IMAP command: masking a word of it made doctor's advice unreadable.
        SecretMasker.Apply(text).Should().Be(text);
    }

    [Fact]
    public void Apply_OrdinaryText_IsLeftAlone()
    {
        const string text = "アカウント tanaka.taro: 120 件投入 / loaded 120 items from INBOX";
        SecretMasker.Apply(text).Should().Be(text);
    }

    [Fact]
    public void Logger_SecretsInMessageArgumentsAndExceptions_NeverReachATarget()
    {
        SecretMasker.Register("MasterPassword-2026");
        var memory = new NLog.Targets.MemoryTarget("memory") { Layout = "${message}|${event-properties:item=Conn}|${exception:format=tostring}" };
        var json = temp.File("logs");
        using (var logging = DxmigLogging.Create(consoleLevel: null, jsonFolder: json, extraTarget: memory))
        {
            var logger = logging.Loggers.CreateLogger("test");
            using (logger.BeginScope(new Dictionary<string, object?> { ["job"] = "wave1", ["runId"] = "run-1" }))
            using (logger.BeginScope(new Dictionary<string, object?> { ["account"] = "tanaka" }))
            {
                logger.LogInformation("connecting with {Conn}", "Host=db;Password=MasterPassword-2026");
                logger.LogError(new InvalidOperationException("login failed for tanaka*admin with MasterPassword-2026"), "login failed, Authorization: Basic dGFuYWthOnNlY3JldA==");
            }
        }

        var written = string.Join('\n', memory.Logs);
        written.Should().NotContain("MasterPassword-2026").And.NotContain("dGFuYWthOnNlY3JldA==");
        written.Should().Contain("connecting with").And.Contain("login failed for tanaka*admin with ***");

        var file = Directory.GetFiles(json, "*.jsonl", SearchOption.AllDirectories).Should().ContainSingle().Subject;
        file.Should().EndWith(Path.Combine("wave1", "run-1.jsonl"));
        var lines = File.ReadAllLines(file);
        lines.Should().HaveCount(2);
        lines.Should().OnlyContain(l => l.Contains("\"runId\": \"run-1\"", StringComparison.Ordinal) || l.Contains("\"runId\":\"run-1\"", StringComparison.Ordinal));
        lines.Should().OnlyContain(l => l.Contains("tanaka", StringComparison.Ordinal) && l.Contains("wave1", StringComparison.Ordinal));
        File.ReadAllText(file).Should().NotContain("MasterPassword-2026").And.NotContain("dGFuYWthOnNlY3JldA==");
    }

    [Fact]
    public void StartCreate_LoggersTakenBeforeTheLoggingIsBuilt_WriteTheirLinesWithScopesAndMasking()
    {
        SecretMasker.Register("EarlyPassword-2026");
        var json = temp.File("early-logs");
        ILogger logger;
        using (var logging = DxmigLogging.StartCreate(consoleLevel: null, jsonFolder: json))
        {
            Directory.Exists(json).Should().BeTrue("the folder is made at once, so a folder that cannot be made fails at once");
            logger = logging.Loggers.CreateLogger("early");
            using (logger.BeginScope(new Dictionary<string, object?> { ["job"] = "wave2", ["runId"] = "run-2" }))
            {
                logger.LogInformation("first line with {Conn}", "Host=db;Password=EarlyPassword-2026");
                logger.IsEnabled(LogLevel.Debug).Should().BeTrue();
            }
        }

        var file = Directory.GetFiles(json, "*.jsonl", SearchOption.AllDirectories).Should().ContainSingle().Subject;
        file.Should().EndWith(Path.Combine("wave2", "run-2.jsonl"));
        var text = File.ReadAllText(file);
        text.Should().Contain("first line with").And.NotContain("EarlyPassword-2026");
    }
}
