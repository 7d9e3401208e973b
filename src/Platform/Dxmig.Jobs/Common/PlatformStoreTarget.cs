using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Storage;

namespace Dxmig.Jobs.Common;

/// <summary>The platform store a job's <c>target:</c> names (<c>store</c>, default $DXMIG_HOME/platform.db), checked, with its password by reference.</summary>
public static class PlatformStoreTarget
{
    public static (string Store, SecretReference? Password) Read(JobFile job, JobSection target, DiagnosticBag diagnostics)
    {
        var storeValue = target.Value("store");
        var store = string.IsNullOrWhiteSpace(storeValue)
            ? Path.Combine(DxmigHome.Resolve(job.Environment), "platform.db")
            : StoreLocation.LooksLikePostgres(storeValue) ? storeValue : target.ResolvePath(storeValue);
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
