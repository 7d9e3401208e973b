using Dxmig.Jobs.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dxmig.Extractors.Cess;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.Reconciliation;
using Dxmig.Transformers.Cess;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Staff;

/// <summary>
/// CESS staff directory: the export read again through the run's own extractor and transformer, against the platform
/// store's <c>staff</c> rows (matched by employee id, every column of the person compared) or against Entra ID's users
/// (one paged <c>GET /users</c>, matched by user principal name, the attributes the job writes compared). Users the
/// identity map does not name are Entra ID's own (rooms, service accounts, people CESS never had): not ours, not extra.
/// </summary>
public sealed class StaffReconciler : IReconciler
{
    private readonly StaffCsvExtractor extractor;
    private readonly StaffTransformer transformer;
    private readonly ReconcileTarget target;
    private readonly GraphStaffLoader? writer;
    private readonly IReadOnlyList<string> attributes;
    private readonly HashSet<string> mapped;

    public StaffReconciler(StaffJobSettings settings, Dxmig.Platform.JobFiles.JobFile job, ILoggerFactory loggers, TimeProvider time)
    {
        extractor = new StaffCsvExtractor(new StaffSourceOptions(settings.File, settings.Encoding, settings.FieldMap, null), loggers.CreateLogger<StaffCsvExtractor>());
        transformer = new StaffTransformer(settings.Identities, settings.Departments, settings.Gaiji);
        mapped = settings.Identities.SourceAccounts.Select(settings.Identities.TargetOf).ToHashSet(StringComparer.OrdinalIgnoreCase);
        attributes = settings.Attributes ?? GraphStaffLoader.Attributes;
        SourceDescription = $"CESS 職員録 CSV / staff export {Path.GetFileName(settings.File)}";
        target = ReconcileTarget.Open(settings.Graph, settings.Store, settings.StorePassword, job, loggers, time);
        if (target.Session is { } session)
        {
            writer = new GraphStaffLoader(session, attributes, loggers.CreateLogger("dxmig.reconcile.graph"), time);
            TargetDescription = $"Entra ID users, Microsoft Graph {session.Options.BaseUrl} ({string.Join(", ", attributes)})";
        }
        else
        {
            TargetDescription = $"platform store staff ({target.Store!.Location.ProviderName})";
        }
    }

    public string SourceDescription { get; }

    public string TargetDescription { get; }

    public IReadOnlyList<string> Compared => ["fields"];

    public long Requests => target.Requests;

    public async IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in extractor.ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), cancellationToken))
        {
            var targets = item.Problem is null ? transformer.Transform(item).Targets : [];
            var staff = targets.Count > 0 ? targets[0] : null;
            var identity = staff is null ? item.Key.Ref.NativeId : target.Graph is null ? staff.EmployeeId : staff.UserPrincipalName.ToLowerInvariant();
            yield return new ReconItem(StaffCsvExtractor.Container, identity)
            {
                Location = item.Location,
                Size = item.Size,
                Ref = item.Key.Ref,
                Fields = staff is null ? null : writer is null ? PlatformStaffLoader.Fields(staff) : Flatten(writer.Body(staff)),
            };
        }
    }

    public IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, CancellationToken cancellationToken) =>
        target.Graph is null ? ReadStoreAsync(cancellationToken) : ReadGraphAsync(account, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (writer is not null)
        {
            await writer.DisposeAsync();
        }

        target.Dispose();
    }

    /// <summary>The attributes of a PATCH body or of a user as Graph lists it: name → text (arrays as name[i]).</summary>
    private static Dictionary<string, string> Flatten(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        return Flatten(document.RootElement, null);
    }

    private static Dictionary<string, string> Flatten(JsonElement user, IReadOnlyList<string>? only)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in user.EnumerateObject())
        {
            if (only is not null && !only.Contains(property.Name, StringComparer.Ordinal))
            {
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var entry in property.Value.EnumerateArray())
                {
                    fields[$"{property.Name}[{i++}]"] = entry.ToString();
                }
            }
            else
            {
                fields[property.Name] = property.Value.ValueKind == JsonValueKind.Null ? string.Empty : property.Value.ToString();
            }
        }

        return fields;
    }

    private async IAsyncEnumerable<ReconItem> ReadStoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in target.Store!.StaffAsync(cancellationToken))
        {
            var id = row.EmployeeId;
            yield return new ReconItem(StaffCsvExtractor.Container, id)
            {
                Location = $"staff/{id} ({row.SourceLocation})",
                Fields = PlatformStaffLoader.Fields(row),
                TargetKey = $"staff/{id}",
            };
        }
    }

    private async IAsyncEnumerable<ReconItem> ReadGraphAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var select = "id,userPrincipalName," + string.Join(',', attributes.Where(a => a != "userPrincipalName"));
        await foreach (var user in target.Graph!.ListAsync(account, $"/users?$select={select}&$top=999", cancellationToken))
        {
            var upn = user.GetProperty("userPrincipalName").GetString() ?? string.Empty;
            yield return new ReconItem(StaffCsvExtractor.Container, upn.ToLowerInvariant())
            {
                Location = $"entra-user:{upn}",
                Fields = Flatten(user, attributes),
                TargetKey = $"entra-user:{upn}",
                Ours = mapped.Contains(upn),
            };
        }
    }
}
