using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;

namespace Dxmig.Transformers.Cess;

/// <summary>
/// A CESS facility-reservation row → a reservation: the facility found in the facility table (its name and room
/// mailbox), the reserver resolved through the identity map, the time in Asia/Tokyo. The event on the room's calendar
/// reads "{purpose} ({reserver})". An unknown facility code, an unknown reserver, an impossible date or time or an end
/// before the start quarantines the row with the reason. A removal passes through with the reservation id alone.
/// </summary>
public sealed class ReservationTransformer(IdentityMap identities, FacilityMap facilities) : ITransformer<ReservationEntry, ReservationRecord>
{
    public TransformResult<ReservationRecord> Transform(SourceItem<ReservationEntry> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var entry = item.Payload ?? throw new ArgumentException("an item without payload cannot be transformed", nameof(item));
        var id = item.Key.NativeId;
        if (item.Removal)
        {
            return TransformResult<ReservationRecord>.Load(new ReservationRecord
            {
                ReservationId = id, FacilityCode = string.Empty, RoomAddress = string.Empty, ReserverId = string.Empty, ReserverUpn = string.Empty,
                ContentHash = item.ContentHash, SourceLocation = item.Location, Original = entry,
                Appointment = new CalendarEvent { Subject = string.Empty, Start = default, End = default },
            });
        }

        var line = entry.Line;
        TransformResult<ReservationRecord> Bad(string code, string japanese, string english) =>
            TransformResult<ReservationRecord>.Quarantine(code, $"行 {line}: {japanese}", $"line {line}: {english}");

        if (facilities.Find(entry.FacilityCode) is not { } facility)
        {
            return Bad("unknown-facility", $"施設コード '{entry.FacilityCode}' が施設表にありません", $"facility code '{entry.FacilityCode}' is not in the facility table");
        }

        var reserver = SourceText.Narrow(entry.Reserver);
        if (reserver.Length == 0)
        {
            return Bad("missing-field", "予約者がありません", "the reserver is missing");
        }

        if (!identities.Contains(reserver))
        {
            return Bad("not-in-identity-map", $"予約者 {reserver} が ID マップにありません", $"reserver {reserver} is not in the identity map");
        }

        var (start, end, problem) = CessEventTimes.Resolve(line, entry.StartDate, entry.StartTime, entry.EndDate, entry.EndTime, allDay: false);
        if (problem is not null)
        {
            return TransformResult<ReservationRecord>.From(problem);
        }

        var upn = identities.TargetOf(reserver);
        var purpose = entry.Purpose.Trim() is { Length: > 0 } p ? p : "予約";
        return TransformResult<ReservationRecord>.Load(new ReservationRecord
        {
            ReservationId = id,
            FacilityCode = facility.Code,
            FacilityName = facility.Name,
            RoomAddress = facility.RoomAddress,
            ReserverId = reserver,
            ReserverUpn = upn,
            ContentHash = item.ContentHash,
            SourceLocation = item.Location,
            Original = entry,
            Appointment = new CalendarEvent
            {
                Subject = $"{purpose} ({reserver})",
                Body = $"予約者 / reserved by: {reserver} ({upn})" + (entry.Memo.Trim() is { Length: > 0 } memo ? $"\n{memo}" : string.Empty),
                Location = facility.Name,
                Start = start,
                End = end,
            },
        });
    }
}
