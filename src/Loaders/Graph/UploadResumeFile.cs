using System.Text.Json;
using Dxmig.Contracts.Records;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Upload sessions still open, kept in a file between runs so a killed run resumes a large upload where the session
/// stopped instead of sending it again: key (drive, path, quickXorHash) → upload URL and its expiry. The URLs carry
/// their own token, so the file is readable by its owner only and never logged.
/// </summary>
public sealed class UploadResumeFile(string? path)
{
    private readonly Lock gate = new();
    private Dictionary<string, Entry>? entries;

    public sealed record Entry(string Url, DateTimeOffset Expires);

    public Entry? Find(string key)
    {
        lock (gate)
        {
            return Load().GetValueOrDefault(key);
        }
    }

    public void Put(string key, Entry? entry)
    {
        lock (gate)
        {
            var all = Load();
            if (entry is null ? !all.Remove(key) : all.TryGetValue(key, out var same) && same == entry)
            {
                return;
            }

            if (entry is not null)
            {
                all[key] = entry;
            }

            Save(all);
        }
    }

    private Dictionary<string, Entry> Load()
    {
        if (entries is not null)
        {
            return entries;
        }

        entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (path is not null && File.Exists(path))
        {
            try
            {
                entries = JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? entries;
            }
            catch (JsonException)
            {
                // A torn file only costs the resume: the uploads start again.
            }
        }

        return entries;
    }

    private void Save(Dictionary<string, Entry> all)
    {
        if (path is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, OwnerOnlyFile.Options(FileAccess.Write)))
        {
            JsonSerializer.Serialize(stream, all);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
