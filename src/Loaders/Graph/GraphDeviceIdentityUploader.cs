using System.Text.Json;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// BETA (Microsoft Graph /beta, subject to change; off unless a job turns it on): uploads device serial numbers as
/// Intune corporate device identifiers with <c>POST /beta/deviceManagement/importedDeviceIdentities/importDeviceIdentityList</c>
/// (importedDeviceIdentityType serialNumber, description = asset number and model; overwriteImportedDeviceIdentities
/// true, so sending a chunk again does no harm). The session must point at the beta base URL.
/// Returns the serial numbers Intune did not take (status false).
/// </summary>
public sealed class GraphDeviceIdentityUploader(GraphSession betaSession, ILogger logger, TimeProvider time)
    : GraphLoaderBase(betaSession, logger, time, ownsSession: false)
{
    /// <summary>Identities per request (Graph documents no limit; dxmig keeps requests small).</summary>
    public const int ChunkSize = 100;

    /// <summary>Uploads the devices' serial numbers; the serials refused, with Intune's answer.</summary>
    public async Task<IReadOnlyList<string>> UploadAsync(IReadOnlyList<DeviceRecord> devices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var refused = new List<string>();
        foreach (var chunk in devices.Where(d => d.SerialNumber is not null).Chunk(ChunkSize))
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("importedDeviceIdentities");
                foreach (var device in chunk)
                {
                    json.WriteStartObject();
                    json.WriteString("importedDeviceIdentifier", device.SerialNumber);
                    json.WriteString("importedDeviceIdentityType", "serialNumber");
                    json.WriteString("description", $"{device.AssetNumber} {device.Original.Model}".Trim());
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteBoolean("overwriteImportedDeviceIdentities", true);
                json.WriteEndObject();
            }

            var answer = await Engine.RunAsync("intune", new GraphOperation("POST", "/deviceManagement/importedDeviceIdentities/importDeviceIdentityList", buffer.ToArray()), cancellationToken);
            if (!answer.IsDone)
            {
                refused.AddRange(chunk.Select(d => $"{d.SerialNumber}: {answer.Reason}"));
                continue;
            }

            refused.AddRange(answer.Body.GetProperty("value").EnumerateArray()
                .Where(r => r.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.False)
                .Select(r => $"{r.GetProperty("importedDeviceIdentifier").GetString()}: status false"));
        }

        return refused;
    }
}
