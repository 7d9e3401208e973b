using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Storage;

namespace Dxmig.Jobs.Common;

/// <summary>The platform store a job's <c>target:</c> names (<c>store</c>, default $DXMIG_HOME/platform.db), checked, with its password by reference.</summary>
public static class PlatformStoreTarget
{
    /// <summary>The keys of <c>target:</c> that name the store: its location, its password by reference, its TLS settings.</summary>
    public static readonly string[] Keys = ["store", "password-env", "password-file", "store-tls"];

    public static (string Store, SecretReference? Password) Read(JobFile job, JobSection target, DiagnosticBag diagnostics)
    {
        var storeValue = target.Value("store");
        var store = string.IsNullOrWhiteSpace(storeValue)
            ? Path.Combine(DxmigHome.Resolve(job.Environment), "platform.db")
            : StoreLocation.LooksLikePostgres(storeValue) ? StoreTlsSettings.Read(target.Section("store-tls"), storeValue) : target.ResolvePath(storeValue);
        if (!StoreLocation.LooksLikePostgres(store) && target.Has("store-tls"))
        {
            diagnostics.Error(target.PositionOf("store-tls"), "store-tls は PostgreSQL の保存先 (Host=…) にだけ使えます", "store-tls applies only to a PostgreSQL store (Host=…)");
        }

        try
        {
            _ = StoreLocation.Parse(store, job.Directory);
        }
        catch (Exception ex) when (ex is ConfigurationException or ArgumentException or FormatException or UriFormatException)
        {
            diagnostics.Error(target.PositionOf("store"), $"保存先が不正です: {ex.Message}", $"the store location is not valid: {ex.Message}");
        }

        return (store, target.Secret("password"));
    }
}
