namespace Dxmig.Loaders.PlatformStore;

/// <summary>The columns of a schedule row, shared by <c>schedules</c> and <c>schedule_staging</c> (not an entity itself).</summary>
public abstract class ScheduleColumns
{
    /// <summary>予定ID: the natural key.</summary>
    public required string ScheduleId { get; set; }

    public required string OwnerId { get; set; }

    public required string OwnerUpn { get; set; }

    /// <summary>Every calendar that holds a copy (owner first), <c>;</c>-separated.</summary>
    public string Calendars { get; set; } = string.Empty;

    public string ParticipantIds { get; set; } = string.Empty;

    public string Title { get; set; } = string.Empty;

    public string? Place { get; set; }

    public DateTime StartUtc { get; set; }

    public DateTime EndUtc { get; set; }

    public bool AllDay { get; set; }

    /// <summary>The recurrence in canonical form (<see cref="Dxmig.Contracts.Records.EventRecurrence.ToString"/>), null when none.</summary>
    public string? Recurrence { get; set; }

    public bool Private { get; set; }

    public string Memo { get; set; } = string.Empty;

    public required string ContentHash { get; set; }

    public required string SourceLocation { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A row of the platform store's <c>schedules</c> table.</summary>
public sealed class ScheduleEntity : ScheduleColumns;

/// <summary>A row of <c>schedule_staging</c>: one loader batch, bulk-copied, then upserted into <c>schedules</c> and removed.</summary>
public sealed class ScheduleStagingEntity : ScheduleColumns
{
    public required string BatchId { get; set; }
}

/// <summary>The columns of a facility-reservation row, shared by <c>reservations</c> and <c>reservation_staging</c>.</summary>
public abstract class ReservationColumns
{
    /// <summary>予約ID: the natural key.</summary>
    public required string ReservationId { get; set; }

    public required string FacilityCode { get; set; }

    public required string RoomAddress { get; set; }

    public required string ReserverId { get; set; }

    public required string ReserverUpn { get; set; }

    public string Purpose { get; set; } = string.Empty;

    public DateTime StartUtc { get; set; }

    public DateTime EndUtc { get; set; }

    public string Memo { get; set; } = string.Empty;

    public required string ContentHash { get; set; }

    public required string SourceLocation { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A row of the platform store's <c>reservations</c> table.</summary>
public sealed class ReservationEntity : ReservationColumns;

/// <summary>A row of <c>reservation_staging</c>.</summary>
public sealed class ReservationStagingEntity : ReservationColumns
{
    public required string BatchId { get; set; }
}

/// <summary>A row of the platform store's <c>facilities</c> table (from mappings/cess-facilities.csv).</summary>
public sealed class FacilityEntity
{
    public required string Code { get; set; }

    public required string Name { get; set; }

    public required string RoomAddress { get; set; }
}
