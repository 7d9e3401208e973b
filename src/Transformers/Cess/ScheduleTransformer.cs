using System.Text;
using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Cess;

/// <summary>
/// A CESS schedule row → a schedule: owner and participants resolved through the identity map (by employee id), the
/// start and end in Asia/Tokyo (<see cref="CessEventTimes"/>), the repeat rule mapped to Graph's patternedRecurrence
/// (<see cref="CessRecurrence"/>), private kept private, 外字 in the title mapped for display. The owner's calendar and
/// each participant's get a copy. An unknown owner or participant, a missing title, an impossible date or time, an end
/// before the start, an unreadable flag or repeat rule quarantines the row with the reason; the run goes on.
/// A removal passes through with the schedule id alone.
/// </summary>
public sealed class ScheduleTransformer(IdentityMap identities, GaijiMap gaiji) : ITransformer<ScheduleEntry, ScheduleRecord>
{
    private static readonly char[] Separators = [';', '；', '、', ',', ' ', '　', '/'];

    public TransformResult<ScheduleRecord> Transform(SourceItem<ScheduleEntry> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var entry = item.Payload ?? throw new ArgumentException("an item without payload cannot be transformed", nameof(item));
        var id = item.Key.NativeId;
        if (item.Removal)
        {
            return TransformResult<ScheduleRecord>.Load(new ScheduleRecord
            {
                ScheduleId = id, OwnerId = string.Empty, OwnerUpn = string.Empty, Calendars = [], ContentHash = item.ContentHash,
                SourceLocation = item.Location, Original = entry, Appointment = new CalendarEvent { Subject = string.Empty, Start = default, End = default },
            });
        }

        var line = entry.Line;
        TransformResult<ScheduleRecord> Bad(string code, string japanese, string english) =>
            TransformResult<ScheduleRecord>.Quarantine(code, $"行 {line}: {japanese}", $"line {line}: {english}");

        var owner = Id(entry.Owner);
        if (owner.Length == 0)
        {
            return Bad("missing-field", "登録者がありません", "the owner is missing");
        }

        if (!identities.Contains(owner))
        {
            return Bad("not-in-identity-map", $"登録者 {owner} が ID マップにありません (移行先ユーザーが決まりません)", $"owner {owner} is not in the identity map (no target user)");
        }

        var ownerUpn = identities.TargetOf(owner);
        var calendars = new List<string> { ownerUpn };
        var participantIds = new List<string>();
        foreach (var participant in entry.Participants.Split(Separators, StringSplitOptions.RemoveEmptyEntries).Select(Id).Where(p => p.Length > 0))
        {
            if (!identities.Contains(participant))
            {
                return Bad("not-in-identity-map", $"参加者 {participant} が ID マップにありません", $"participant {participant} is not in the identity map");
            }

            participantIds.Add(participant);
            var upn = identities.TargetOf(participant);
            if (!calendars.Contains(upn, StringComparer.OrdinalIgnoreCase))
            {
                calendars.Add(upn);
            }
        }

        var title = entry.Title.Trim();
        if (title.Length == 0)
        {
            return Bad("missing-field", "件名がありません", "the title is missing");
        }

        if (CessEventTimes.Flag(entry.AllDay) is not { } allDay)
        {
            return Bad("bad-value", $"終日 '{entry.AllDay}' は はい/いいえ (1/0, ○/×) で書いてください", $"all-day '{entry.AllDay}' must be yes or no (1/0, ○/×)");
        }

        if (CessEventTimes.Flag(entry.Private) is not { } isPrivate)
        {
            return Bad("bad-value", $"非公開 '{entry.Private}' は はい/いいえ (1/0, ○/×) で書いてください", $"private '{entry.Private}' must be yes or no (1/0, ○/×)");
        }

        var (start, end, problem) = CessEventTimes.Resolve(line, entry.StartDate, entry.StartTime, entry.EndDate, entry.EndTime, allDay);
        if (problem is not null)
        {
            return TransformResult<ScheduleRecord>.From(problem);
        }

        var (recurrence, error) = CessRecurrence.Parse(entry.Recurrence, entry.RecurrenceEnd, DateOnly.FromDateTime(start));
        if (error is not null)
        {
            return TransformResult<ScheduleRecord>.Quarantine("bad-recurrence", $"行 {line}: {error}", $"line {line}: see the Japanese text");
        }

        var body = new StringBuilder(entry.Memo.Trim());
        if (participantIds.Count > 0)
        {
            body.Append(body.Length > 0 ? "\n\n" : string.Empty).Append("参加者 / participants: ").AppendJoin(", ", participantIds);
        }

        return TransformResult<ScheduleRecord>.Load(new ScheduleRecord
        {
            ScheduleId = id,
            OwnerId = owner,
            OwnerUpn = ownerUpn,
            Calendars = calendars,
            ParticipantIds = string.Join(';', participantIds),
            ContentHash = item.ContentHash,
            SourceLocation = item.Location,
            Original = entry,
            Appointment = new CalendarEvent
            {
                Subject = gaiji.Apply(title, out _),
                Body = body.ToString(),
                Location = entry.Place.Trim() is { Length: > 0 } place ? place : null,
                Start = start,
                End = end,
                AllDay = allDay,
                Recurrence = recurrence,
                Private = isPrivate,
            },
        });
    }

    private static string Id(string value) => SourceText.Narrow(value);
}
