using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.Transformers.Cess;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Calendar;

/// <summary>
/// <c>kind: cess-facilities</c>: a CESS facility-reservation export (施設予約) → the platform store's <c>reservations</c>
/// and <c>facilities</c> tables, or events on the room mailboxes' calendars through Graph (facility → room address in
/// <c>mappings/cess-facilities.csv</c>); as <see cref="CalendarJobKind{TEntry, TRecord}"/>.
/// </summary>
public sealed class FacilityJobKind : CalendarJobKind<ReservationEntry, ReservationRecord>
{
    public override string Name => "cess-facilities";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["fields"] = false,
        ["identity"] = true,
        ["facilities"] = true,
    };

    protected override string SourceType => "cess-facilities-csv";

    protected override IReadOnlyList<string> FieldNames => ReservationCsvExtractor.FieldNames;

    protected override string KeyField => ReservationCsvExtractor.Key;

    protected override KeyedFieldMap DefaultFieldMap => ReservationCsvExtractor.DefaultFieldMap;

    protected override string IdHeader => "reservation_id";

    protected override FacilityMap? ReadFacilities(JobFile job, DiagnosticBag diagnostics) =>
        job.Mappings.TryGetValue("facilities", out var reference) ? FacilityMap.Load(reference.Path, diagnostics) : null;

    protected override IExtractor<ReservationEntry> CreateExtractor(KeyedCsvOptions options, ILoggerFactory loggers) =>
        new ReservationCsvExtractor(options, loggers.CreateLogger<ReservationCsvExtractor>());

    protected override ITransformer<ReservationEntry, ReservationRecord> CreateTransformer(CalendarJobSettings settings) =>
        new ReservationTransformer(settings.Identities, settings.Facilities!);

    protected override (string Table, string TargetPrefix, Func<StoreReader, CancellationToken, IAsyncEnumerable<CalendarRow>> Read) StoreTable =>
        (ReservationCsvExtractor.ContainerName, "reservation/", (store, cancellationToken) => store.ReservationsAsync(cancellationToken));

    protected override async Task<ILoader<ReservationRecord>> OpenStoreAsync(StoreLocation location, CalendarJobSettings settings, TimeProvider time, CancellationToken cancellationToken) =>
        await PlatformReservationLoader.OpenAsync(location, settings.Facilities!, time, cancellationToken);
}
