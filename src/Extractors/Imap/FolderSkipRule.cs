using System.Text.RegularExpressions;

namespace Dxmig.Extractors.Imap;

/// <summary>Folders whose path matches <see cref="Pattern"/> are not copied; each of their messages is recorded as skipped by <see cref="Rule"/>.</summary>
public sealed record FolderSkipRule(string Rule, Regex Pattern);
