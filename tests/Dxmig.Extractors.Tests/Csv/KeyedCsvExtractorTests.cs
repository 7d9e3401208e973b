using System.Runtime.CompilerServices;
using System.Text;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Extractors.Tests.Csv;

/// <summary>The keyed export reader on its own (a two-column room export): encodings, duplicates, long keys, removals.</summary>
public sealed class KeyedCsvExtractorTests : IDisposable
{
    private const string Header = "会議室ID,名称";
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("cp932")]
    [InlineData("utf-8-bom")]
    public async Task Extract_Cp932OrUtf8WithBom_ReadsTheSameRows_WithTheSameKeysAndVersions(string encoding)
    {
        var rows = $"{Header}\r\nR001,第１会議室（本館）\r\nＲ００２,髙橋記念ホール\r\n";
        var bytes = encoding == "cp932"
            ? JapaneseEncodings.StrictCp932().GetBytes(rows)
            : [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(rows)];
        var path = temp.File($"rooms-{encoding}.csv");
        await File.WriteAllBytesAsync(path, bytes);

        var items = await ExtractAsync(path);

        items.Should().OnlyContain(i => i.Problem == null);
        items.Select(i => (i.Key.NativeId, i.Payload!.Name, i.Location)).Should().Equal(
            ("R001", "第１会議室（本館）", $"rooms-{encoding}.csv:2"),
            ("R002", "髙橋記念ホール", $"rooms-{encoding}.csv:3"));
        items.Select(i => i.Key.Version).Should().Equal(
            ContentHash.OfFields(["R001", "第１会議室（本館）"])[..16], ContentHash.OfFields(["Ｒ００２", "髙橋記念ホール"])[..16]);
    }

    [Fact]
    public async Task Extract_AKeyAgain_SkipsAnExactRepeat_AndQuarantinesOtherContent_NamingTheFirstLine()
    {
        var path = temp.Write("rooms.csv", $"{Header}\nR001,第1会議室\nR002,第2会議室\nR001,第1会議室\nR001,大会議室\n");

        var items = await ExtractAsync(path);

        items.Select(i => (i.Key.NativeId, i.Problem?.Code, i.Problem?.Kind)).Should().Equal(
            ("R001", null, null),
            ("R002", null, null),
            ("R001#line:4", "duplicate-row", ProblemKind.Skip),
            ("R001#line:5", "duplicate-key", ProblemKind.Quarantine));
        items[3].Problem!.Message.Should().Be(
            "行 5: 会議室ID R001 が行 2 と重複し、内容が違います / line 5: room id R001 repeats line 2 with different content");
    }

    [Fact]
    public async Task Extract_AKeyOverSixtyFourCharacters_IsQuarantined_AndSixtyFourAreKept()
    {
        var longest = new string('A', KeyedCsvExtractor<RoomEntry>.MaxKeyLength);
        var path = temp.Write("rooms.csv", $"{Header}\n{longest},ok\n{longest}B,too long\n");

        var items = await ExtractAsync(path);

        items[0].Problem.Should().BeNull();
        items[0].Key.NativeId.Should().Be(longest);
        items[1].Key.NativeId.Should().Be("line:3", "a key the store cannot hold is not used as the item's id");
        items[1].Problem!.Code.Should().Be("key-too-long");
        items[1].Problem!.Kind.Should().Be(ProblemKind.Quarantine);
        items[1].Problem!.Message.Should().Contain("65 文字").And.Contain("65 characters, over the limit of 64");
    }

    [Fact]
    public async Task Extract_SecondPass_ARowGoneFromTheExport_IsYieldedAsARemovalAfterTheRows()
    {
        var path = temp.Write("rooms.csv", $"{Header}\nR001,第1会議室\nR002,第2会議室\nR003,第3会議室\nR004,第4会議室\n");
        var first = await ExtractAsync(path, new DeletionSafety());
        var loaded = new LoadedKeys(first.Where(i => i.Problem is null).Select(i => i.Key.NativeId));
        await File.WriteAllTextAsync(path, $"{Header}\nR001,第1会議室\nR003,第3会議室 (改装)\nR004,第4会議室\n");

        var second = await ExtractAsync(path, new DeletionSafety { MaxPercent = 50 }, loaded);

        first.Should().HaveCount(4).And.OnlyContain(i => !i.Removal, "nothing is gone on the first pass");
        second.Should().HaveCount(4);
        second.Take(3).Should().OnlyContain(i => !i.Removal);
        var removal = second[3];
        removal.Removal.Should().BeTrue();
        removal.Key.NativeId.Should().Be("R002");
        removal.Key.Container.Should().Be("rooms");
        removal.Payload!.Id.Should().Be("R002");
        removal.Location.Should().Be("会議室ID R002 (removed)");
    }

    [Fact]
    public async Task Extract_SecondPass_MoreRemovalsThanTheThreshold_RemovesNothing_AndWarns()
    {
        var path = temp.Write("rooms.csv", $"{Header}\nR001,第1会議室\n");
        var warnings = new List<string>();

        var items = await ExtractAsync(path, new DeletionSafety(), new LoadedKeys(["R001", "R002", "R003"]), warnings.Add);

        items.Should().ContainSingle().Which.Removal.Should().BeFalse();
        warnings.Should().ContainSingle().Which.Should().StartWith("要確認: 会議室から 2 件 (66.7%) が消えています")
            .And.Contain("needs attention: 2 rooms (66.7%) are gone from the export");
    }

    private static async Task<List<SourceItem<RoomEntry>>> ExtractAsync(
        string path, DeletionSafety? removals = null, IKnownItems? known = null, Action<string>? warn = null)
    {
        var fields = new Dictionary<string, FieldRule> { ["id"] = new(["会議室ID"], true), ["name"] = new(["名称"], false) };
        var extractor = new RoomCsvExtractor(new KeyedCsvOptions(path, CsvEncodingChoice.Auto, fields, removals));
        var items = new List<SourceItem<RoomEntry>>();
        await foreach (var item in extractor.ExtractAsync("cess", new ExtractContext(NoCheckpoints.Instance, known, warn), CancellationToken.None))
        {
            items.Add(item);
        }

        return items;
    }

    public sealed record RoomEntry : CsvRowEntry
    {
        public string Id { get; init; } = string.Empty;

        public string Name { get; init; } = string.Empty;

        public override IEnumerable<string> Fields() => [Id, Name];
    }

    private sealed class RoomCsvExtractor(KeyedCsvOptions options) : KeyedCsvExtractor<RoomEntry>(options, NullLogger.Instance)
    {
        protected override string KeySystem => "rooms";

        protected override string KeyContainer => "rooms";

        protected override string KeyField => "id";

        protected override (string Japanese, string English) FileName => ("会議室ファイル", "room export");

        protected override (string Japanese, string English) KeyName => ("会議室ID", "room id");

        protected override (string Source, string Unit, string English) RowsName => ("会議室", "件", "rooms");

        protected override RoomEntry Create(string file, int line, Func<string, string> field) =>
            new() { File = file, Line = line, Id = field("id"), Name = field("name") };

        protected override RoomEntry Removed(string file, string nativeId) => new() { File = file, Line = 0, Id = nativeId };
    }

    /// <summary>The ledger after a first pass: these keys loaded in the container <c>rooms</c>.</summary>
    private sealed class LoadedKeys(IEnumerable<string> ids) : IKnownItems
    {
        private readonly List<string> ids = [.. ids];

        public Task<IReadOnlyDictionary<string, KnownItem>> LookupAsync(string container, IReadOnlyCollection<string> nativeIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, KnownItem>>(new Dictionary<string, KnownItem>());

        public async IAsyncEnumerable<KnownItem> ListLoadedAsync(string container, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var id in container == "rooms" ? ids : [])
            {
                yield return new KnownItem(id, "hash", "Loaded", $"rooms/{id}");
            }
        }
    }
}
