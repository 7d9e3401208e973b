using System.Globalization;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Loads staff into the platform store: each batch is bulk-copied into <c>staff_staging</c> (linq2db BulkCopy;
/// PostgreSQL: provider-specific, i.e. binary COPY; SQLite: multi-row INSERT, the fastest linq2db has there), then
/// upserted into <c>staff</c> by employee id in one statement that leaves unchanged rows alone, and removals deleted
/// by employee id, all in one transaction. Loading the same batch twice changes nothing. Returns <c>staff/{id}</c>.
/// Departments are upserted from the department table when the loader opens.
/// </summary>
public sealed class PlatformStaffLoader : PlatformUpsertLoader<StaffRecord, StaffStagingEntity, StaffEntity, StaffDbContext>
{
    private static readonly string[] Columns =
    [
        "EmployeeId", "UserPrincipalName", "ContentHash", "SourceLocation", "DisplayName", "Name", "Kana", "KanaNormalized",
        "Romaji", "DepartmentCode", "DepartmentName", "Title", "Phone", "PhoneE164", "Extension", "ExtensionNormalized",
        "Email", "EmailNormalized", "Office", "StartDate", "StartDateText", "Gaiji", "CreatedUtc", "UpdatedUtc",
    ];

    /// <summary>The columns a reconciliation compares: everything a row holds of the person (not its keys, hash or times).</summary>
    public static IReadOnlyList<string> ComparedColumns { get; } = Columns[4..^2];

    private static readonly System.Reflection.PropertyInfo[] ComparedProperties = [.. Columns[4..^2].Select(c => typeof(StaffColumns).GetProperty(c)!)];

    private PlatformStaffLoader(StoreLocation location, TimeProvider time)
        : base(location, time, o => new StaffDbContext(o), "staff", "staff_staging", Columns)
    {
    }

    /// <summary>Opens the store, creating the staff tables when missing, and upserts the department table.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<PlatformStaffLoader> OpenAsync(StoreLocation location, DepartmentMap departments, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(departments);
        var loader = new PlatformStaffLoader(location, time);
        await using var db = loader.CreateContext();
        await SchemaBootstrap.EnsureAsync(db, StaffDbContext.Component, StaffDbContext.SchemaVersion, cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var d in departments.All)
        {
            await using var upsert = connection.Command(
                "INSERT INTO departments (\"Code\", \"Name\", \"ParentCode\") VALUES (@code, @name, @parent) " +
                "ON CONFLICT (\"Code\") DO UPDATE SET \"Name\" = excluded.\"Name\", \"ParentCode\" = excluded.\"ParentCode\"",
                transaction, ("code", d.Code), ("name", d.Name), ("parent", (object?)d.Parent ?? DBNull.Value));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return loader;
    }

    /// <summary>What the row of a staff record holds in <see cref="ComparedColumns"/>, as text (null as empty).</summary>
    public static Dictionary<string, string> Fields(StaffRecord staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        return Fields(Entity(staff, DateTime.UnixEpoch));
    }

    /// <summary>What a staff row holds in <see cref="ComparedColumns"/>, as text (null as empty).</summary>
    public static Dictionary<string, string> Fields(StaffColumns row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return PlatformContactsLoader.Fields(row, ComparedProperties);
    }

    protected override string KeyOf(StaffRecord record) => record.EmployeeId;

    protected override string TargetKey(string key) => "staff/" + key;

    /// <summary>The row a staff record becomes (also what the benchmark's plain EF Core path adds).</summary>
    public static T ToRow<T>(StaffRecord staff, DateTime now, Func<T> create)
        where T : StaffColumns
    {
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(create);
        var o = staff.Original;
        var row = create();
        row.Name = o.Name;
        row.Kana = o.Kana;
        row.KanaNormalized = staff.KanaNormalized;
        row.Romaji = o.Romaji;
        row.DepartmentCode = staff.DepartmentCode;
        row.DepartmentName = staff.DepartmentName;
        row.Title = o.Title;
        row.Phone = o.Phone;
        row.PhoneE164 = staff.PhoneE164;
        row.Extension = o.Extension;
        row.ExtensionNormalized = staff.ExtensionNormalized;
        row.Email = o.Email;
        row.EmailNormalized = staff.EmailNormalized;
        row.Office = o.Office;
        row.StartDate = staff.StartDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        row.StartDateText = o.StartDate;
        row.Gaiji = staff.Gaiji;
        row.CreatedUtc = now;
        row.UpdatedUtc = now;
        return row;
    }

    protected override StaffEntity ToEntity(StaffRecord staff, DateTime now) => Entity(staff, now);

    private static StaffEntity Entity(StaffRecord staff, DateTime now) =>
        ToRow(staff, now, () => new StaffEntity
        {
            EmployeeId = staff.EmployeeId,
            UserPrincipalName = staff.UserPrincipalName,
            ContentHash = staff.ContentHash,
            SourceLocation = staff.SourceLocation,
            DisplayName = staff.DisplayName,
        });

    protected override StaffStagingEntity ToStaging(StaffRecord staff, string batchId, DateTime now) =>
        ToRow(staff, now, () => new StaffStagingEntity
        {
            BatchId = batchId,
            EmployeeId = staff.EmployeeId,
            UserPrincipalName = staff.UserPrincipalName,
            ContentHash = staff.ContentHash,
            SourceLocation = staff.SourceLocation,
            DisplayName = staff.DisplayName,
        });
}
