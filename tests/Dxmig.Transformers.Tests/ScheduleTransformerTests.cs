using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.Cess;

namespace Dxmig.Transformers.Tests;

public sealed class ScheduleTransformerTests
{
    private static readonly IdentityMap Identities = IdentityMap.FromPairs(
    [
        new("S000001", "s000001@pref.example.jp"), new("S000002", "s000002@pref.example.jp"), new("S000003", "s000003@pref.example.jp"),
    ]);

    private static readonly ScheduleTransformer Transformer = new(Identities, GaijiMap.Empty);

    private static ScheduleEntry Row(Func<ScheduleEntry, ScheduleEntry>? change = null)
    {
        var entry = new ScheduleEntry
        {
            File = "schedules.csv", Line = 7, ScheduleId = "Y1", Owner = "Ｓ000001", Title = "定例会議", Place = "第3会議室",
            StartDate = "令和6年4月1日", StartTime = "１０:００", EndTime = "11時30分", Participants = "S000002；S000003、S000002", Private = "○",
            Recurrence = "毎週", RecurrenceEnd = "2025/03/31", Memo = "資料持参",
        };
        return change is null ? entry : change(entry);
    }

    private static TransformResult<ScheduleRecord> Run(ScheduleEntry entry) =>
        Transformer.Transform(SourceItem<ScheduleEntry>.Ok(new SourceKey("cess-schedules", "cess", "schedules", entry.ScheduleId, "v"), "h", 1, "schedules.csv:7", entry));

    [Fact]
    public void Transform_FullRow_ResolvesPeopleTimesRecurrenceAndPrivacy()
    {
        var record = Run(Row()).Targets.Should().ContainSingle().Subject;

        record.OwnerUpn.Should().Be("s000001@pref.example.jp");
        record.Calendars.Should().Equal("s000001@pref.example.jp", "s000002@pref.example.jp", "s000003@pref.example.jp");
        record.ParticipantIds.Should().Be("S000002;S000003;S000002");
        var e = record.Appointment;
        e.Start.Should().Be(new DateTime(2024, 4, 1, 10, 0, 0));
        e.End.Should().Be(new DateTime(2024, 4, 1, 11, 30, 0));
        e.Private.Should().BeTrue();
        e.Location.Should().Be("第3会議室");
        e.Recurrence!.Kind.Should().Be(RecurrenceKind.Weekly);
        e.Recurrence.EndDate.Should().Be(new DateOnly(2025, 3, 31));
        e.Body.Should().Contain("資料持参").And.Contain("S000002, S000003");
    }

    [Fact]
    public void Transform_AllDayOverTwoDays_RunsMidnightToMidnight()
    {
        var record = Run(Row(r => r with { AllDay = "1", StartTime = "", EndTime = "", EndDate = "2024/04/02", Recurrence = "", RecurrenceEnd = "" })).Targets[0];

        record.Appointment.AllDay.Should().BeTrue();
        record.Appointment.Start.Should().Be(new DateTime(2024, 4, 1));
        record.Appointment.End.Should().Be(new DateTime(2024, 4, 3));
    }

    [Theory]
    [InlineData("owner", "P999", "not-in-identity-map")]
    [InlineData("participants", "S000002;X1", "not-in-identity-map")]
    [InlineData("title", " ", "missing-field")]
    [InlineData("start", "2024/02/30", "bad-date")]
    [InlineData("end-time", "09:00", "end-before-start")]
    [InlineData("start-time", "25:00", "bad-time")]
    [InlineData("all-day", "たぶん", "bad-value")]
    [InlineData("recurrence", "毎週火曜と木曜", "bad-recurrence")]
    public void Transform_BadRow_IsQuarantinedWithTheReasonAndLine(string field, string value, string code)
    {
        var entry = Row(r => field switch
        {
            "owner" => r with { Owner = value },
            "participants" => r with { Participants = value },
            "title" => r with { Title = value },
            "start" => r with { StartDate = value },
            "end-time" => r with { EndTime = value },
            "start-time" => r with { StartTime = value },
            "all-day" => r with { AllDay = value },
            _ => r with { Recurrence = value },
        });

        var result = Run(entry);

        result.Targets.Should().BeEmpty();
        result.Problem!.Kind.Should().Be(ProblemKind.Quarantine);
        result.Problem.Code.Should().Be(code);
        result.Problem.Message.Should().StartWith("行 7:");
    }
}
