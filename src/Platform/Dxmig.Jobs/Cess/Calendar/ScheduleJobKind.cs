using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.Transformers.Cess;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Calendar;

/// <summary>
/// <c>kind: cess-schedules</c>: a CESS schedule export (スケジュール) → the platform store's <c>schedules</c> table, or
/// events on each owner's and participant's Outlook calendar through Graph; as <see cref="CalendarJobKind{TEntry, TRecord}"/>.
/// </summary>
public sealed class ScheduleJobKind : CalendarJobKind<ScheduleEntry, ScheduleRecord>
{
    public override string Name => "cess-schedules";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["fields"] = false,
        ["identity"] = true,
        ["gaiji"] = false,
    };

    protected override string SourceType => "cess-schedules-csv";

    protected override IReadOnlyList<string> FieldNames => ScheduleCsvExtractor.FieldNames;

    protected override string KeyField => ScheduleCsvExtractor.Key;

    protected override KeyedFieldMap DefaultFieldMap => ScheduleCsvExtractor.DefaultFieldMap;

    protected override string IdHeader => "schedule_id";

    protected override IExtractor<ScheduleEntry> CreateExtractor(KeyedCsvOptions options, ILoggerFactory loggers) =>
        new ScheduleCsvExtractor(options, loggers.CreateLogger<ScheduleCsvExtractor>());

    protected override ITransformer<ScheduleEntry, ScheduleRecord> CreateTransformer(CalendarJobSettings settings) =>
        new ScheduleTransformer(settings.Identities, settings.Gaiji);

    protected override (string Table, string TargetPrefix, Func<StoreReader, CancellationToken, IAsyncEnumerable<CalendarRow>> Read) StoreTable =>
        (ScheduleCsvExtractor.ContainerName, "schedule/", (store, cancellationToken) => store.SchedulesAsync(cancellationToken));

    protected override async Task<ILoader<ScheduleRecord>> OpenStoreAsync(StoreLocation location, CalendarJobSettings settings, TimeProvider time, CancellationToken cancellationToken) =>
        await PlatformScheduleLoader.OpenAsync(location, time, cancellationToken);
}
