using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Writes staff-directory attributes onto the Entra ID users (<c>PATCH /users/{upn}</c>), in <c>$batch</c> through
/// <see cref="GraphEngine"/>; only the attributes the job lists are in the body, so nothing else on the user is touched.
/// A PATCH is idempotent, so an item in doubt is simply sent again. Graph's refusal (no such user, a value it will not
/// take) quarantines that person with Graph's reason. People gone from the export are never deleted in Entra ID.
/// Target key: <c>entra-user:{upn}</c>.
/// </summary>
public sealed class GraphStaffLoader : GraphLoaderBase, ILoader<StaffRecord>
{
    /// <summary>The user attributes this loader can write, as Graph names them.</summary>
    public static readonly IReadOnlyList<string> Attributes = ["department", "jobTitle", "businessPhones", "officeLocation", "employeeId", "displayName"];

    private readonly IReadOnlyList<string> attributes;

    public GraphStaffLoader(GraphTargetOptions options, IReadOnlyList<string> attributes, ILogger<GraphStaffLoader> logger, TimeProvider? time = null)
        : this(new GraphSession(options), attributes, logger, time ?? TimeProvider.System, ownsSession: true)
    {
    }

    public GraphStaffLoader(GraphSession session, IReadOnlyList<string> attributes, ILogger logger, TimeProvider time, bool ownsSession = false)
        : base(session, logger, time, ownsSession)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var unknown = attributes.Except(Attributes, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0 || attributes.Count == 0)
        {
            throw new ArgumentException($"attributes must be some of {string.Join(", ", Attributes)}; got {string.Join(", ", attributes)}", nameof(attributes));
        }

        this.attributes = attributes;
    }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<StaffRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new LoadOutcome[batch.Count];
        var sent = new List<int>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Removal)
            {
                outcomes[i] = LoadOutcome.Loaded($"entra-user:{batch[i].Item.EmployeeId}");
            }
            else
            {
                sent.Add(i);
            }
        }

        var operations = sent.Select(i => new GraphOperation("PATCH", "/users/" + Uri.EscapeDataString(batch[i].Item.UserPrincipalName), Body(batch[i].Item))).ToList();
        var answers = await Engine.RunAsync(account, operations, cancellationToken);
        for (var k = 0; k < sent.Count; k++)
        {
            var staff = batch[sent[k]].Item;
            outcomes[sent[k]] = answers[k].IsDone
                ? LoadOutcome.Loaded($"entra-user:{staff.UserPrincipalName}")
                : LoadOutcome.Refused(ItemProblem.Quarantine(
                    "graph-refused",
                    $"{staff.SourceLocation}: Entra ID ユーザー {staff.UserPrincipalName} の更新が拒否されました ({answers[k].Reason})",
                    $"{staff.SourceLocation}: updating Entra ID user {staff.UserPrincipalName} was refused ({answers[k].Reason})"));
        }

        return outcomes;
    }

    /// <summary>The PATCH body: the listed attributes only.</summary>
    public byte[] Body(StaffRecord staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var attribute in attributes)
            {
                switch (attribute)
                {
                    case "businessPhones":
                        json.WriteStartArray(attribute);
                        if (Phone(staff) is { } phone)
                        {
                            json.WriteStringValue(phone);
                        }

                        json.WriteEndArray();
                        break;
                    default:
                        json.WriteString(attribute, Value(staff, attribute) is { Length: > 0 } value ? value : null);
                        break;
                }
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string? Phone(StaffRecord staff)
    {
        var phone = staff.PhoneE164 ?? (staff.Original.Phone.Trim() is { Length: > 0 } text ? text : null);
        return phone is not null && staff.ExtensionNormalized is { } ext ? $"{phone} ext. {ext}" : phone;
    }

    private static string? Value(StaffRecord staff, string attribute) => attribute switch
    {
        "department" => staff.DepartmentName,
        "jobTitle" => staff.Original.Title.Trim(),
        "officeLocation" => staff.Original.Office.Trim(),
        "employeeId" => staff.EmployeeId,
        "displayName" => staff.DisplayName,
        _ => null,
    };
}
