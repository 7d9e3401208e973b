using System.Runtime.CompilerServices;

namespace Dxmig.Tests;

/// <summary>
/// Compiled into every test assembly (tests/Directory.Build.props). MimeKit remembers a charset it could not find the first
/// time it is asked, so a test that happens to build or parse an ISO-2022-JP or Shift_JIS message before anything has
/// registered the code pages would spoil the decoding for every later test in the process (it did, in CI, depending on
/// which test class ran first). Registering when the test assembly loads removes the ordering.
/// </summary>
internal static class EncodingsAtLoad
{
    [ModuleInitializer]
    internal static void Register() => Dxmig.Contracts.Text.JapaneseEncodings.EnsureRegistered();
}
