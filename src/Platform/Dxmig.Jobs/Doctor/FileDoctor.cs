using Dxmig.Extractors.Csv;

namespace Dxmig.Jobs.Doctor;

/// <summary>The checks of an export a job reads: the file is there and readable, its encoding is found and its header row decodes.</summary>
public static class FileDoctor
{
    /// <summary>A CSV export: its header row read and decoded as the run will (encoding given or detected, strict).</summary>
    public static DoctorEndpoint Csv(string role, string path, CsvEncodingChoice choice) =>
        new(role, path, (probe, ct) => probe.StepAsync("ファイルと見出し行 / file and header row", path, async token =>
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
            var (encoding, name) = await CsvEncoding.DetectAsync(stream, choice, token);
            var reader = new ByteCsvReader(stream);
            if (await reader.ReadAsync(token) is not { } header)
            {
                throw new Contracts.ConfigurationException($"{path} は空です (見出し行がありません) / {path} is empty (no header row)");
            }

            var columns = CsvRowDecoder.Decode(header, encoding).Values
                ?? throw new System.Text.DecoderFallbackException($"the header row does not decode as {name}");
            var shown = string.Join(", ", columns.Take(4)) + (columns.Length > 4 ? ", …" : string.Empty);
            return $"{name}, 見出し {columns.Length} 列 / header of {columns.Length} columns: {shown}";
        }, ct, ex => ex is System.Text.DecoderFallbackException
            ? (ConnectionFailureKind.Configuration,
                $"{path} の見出し行を文字コード {choice} で読めません / the header row of {path} does not decode as {choice}",
                "source.encoding (auto, cp932, utf-8) とファイルの保存形式を確認してください / check source.encoding (auto, cp932, utf-8) and how the file was saved")
            : ex is FileNotFoundException or DirectoryNotFoundException
            ? (ConnectionFailureKind.NotFound, $"ファイル {path} がありません / the file {path} does not exist", "エクスポートの置き場所と source の指定を確認してください / check where the export was put and the source settings")
            : null));

    /// <summary>A folder of files (documents): it is there and can be listed.</summary>
    public static DoctorEndpoint Folder(string role, string path) =>
        new(role, path, (probe, ct) => probe.StepAsync("フォルダーの読み取り / folder readable", path, _ =>
        {
            var count = Directory.EnumerateFileSystemEntries(path).Take(1000).Count();
            return Task.FromResult<string?>($"{(count >= 1000 ? "1000+" : count.ToString(System.Globalization.CultureInfo.InvariantCulture))} 項目 / entries");
        }, ct));
}
