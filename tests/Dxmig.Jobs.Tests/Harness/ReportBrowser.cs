using System.Diagnostics;
using FluentAssertions;

namespace Dxmig.Jobs.Tests.Harness;

/// <summary>
/// Opens a report page in real headless Chromium (Debian's <c>chromium</c>, installed by test.sh): the DOM after the
/// page's script ran (<c>--dump-dom</c>), and a screenshot kept as a test artifact. Chromium missing fails the test.
/// </summary>
public static class ReportBrowser
{
    public static string Executable =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium が見つかりません (./test.sh が入れます) / chromium is not installed (./test.sh installs it)");

    /// <summary>The rendered DOM of the page (with a fragment such as <c>#account=x</c>); asserts the script ran without error.</summary>
    public static async Task<string> RenderAsync(string htmlFile, string fragment = "")
    {
        var dom = await ChromiumAsync($"file://{htmlFile}{fragment}", "--dump-dom", "--virtual-time-budget=5000");
        dom.Should().Contain("data-ready=\"1\"", "the page's script must have drawn the tables");
        dom.Should().NotContain("<div id=\"script-error\"", "the page must throw no script error");
        return dom;
    }

    /// <summary>Saves a screenshot under the test's output folder (<c>artifacts/{name}.png</c>, a test artifact) and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(string htmlFile, string name, string fragment = "")
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        var png = Path.Combine(folder, name + ".png");
        await ChromiumAsync($"file://{htmlFile}{fragment}", $"--screenshot={png}", "--window-size=1400,1800", "--virtual-time-budget=5000");
        File.Exists(png).Should().BeTrue();
        new FileInfo(png).Length.Should().BeGreaterThan(10_000);
        System.Console.WriteLine($"screenshot: {png}");
        return png;
    }

    private static async Task<string> ChromiumAsync(string url, params string[] arguments)
    {
        // A profile of its own for each call: tests run in parallel, and Chromium refuses a profile another instance holds.
        using var profile = new Dxmig.TestSupport.TempFolder("dxmig-chromium");
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.Path }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(url);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, await error);
        return await output;
    }
}
