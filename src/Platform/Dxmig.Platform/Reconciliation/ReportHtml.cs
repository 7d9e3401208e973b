using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dxmig.Contracts.Text;
using static Dxmig.Platform.Reconciliation.SvgCharts;

namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// The report page: one file with everything inside (styles, inline SVG charts, the data as inline JSON and a few
/// lines of script for searching, sorting and paging the tables and for the drill-down per account), no external
/// script, font, image or request, so it opens from a file share or a mail attachment. A script error shows itself on
/// the page (<c>#script-error</c>); when the script has drawn the tables it marks <c>body[data-ready=1]</c>.
/// </summary>
internal static class ReportHtml
{
    private const string Style = """
        body{font-family:sans-serif;margin:1.2em;color:#222;max-width:1400px}
        h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
        .meta td{padding:1px 10px 1px 0}.cards{display:flex;gap:12px;flex-wrap:wrap}
        .card{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:150px}.card b{display:block;font-size:1.6em}
        .v0{border-left:6px solid #2e7d32}.v1{border-left:6px solid #e0a000}.v2{border-left:6px solid #c62828}
        table.t{border-collapse:collapse;width:100%;font-size:.9em}table.t th,table.t td{border:1px solid #ddd;padding:3px 6px;text-align:left}
        table.t th{background:#f3f3f3;cursor:pointer;user-select:none}td.n{text-align:right;font-variant-numeric:tabular-nums}
        tr.r2 td:first-child{border-left:4px solid #c62828}tr.r1 td:first-child{border-left:4px solid #e0a000}tr.r0 td:first-child{border-left:4px solid #2e7d32}
        tbody tr:hover{background:#f5f9ff}.bar{margin:6px 0;display:flex;gap:8px;align-items:center}.pager button{margin:0 4px}
        .charts{display:flex;flex-wrap:wrap;gap:18px}.charts figure{margin:0}.charts figcaption{font-weight:bold;margin-bottom:4px}
        #script-error{background:#c62828;color:#fff;padding:8px}.note{color:#555;font-size:.9em}
        """;

    private const string Script = """
        (function () {
          'use strict';
          var D = JSON.parse(document.getElementById('data').textContent);
          var V = ['完了 / complete', '例外あり完了 / complete with exceptions', '未完了 / incomplete'];
          function el(tag, cls) { var e = document.createElement(tag); if (cls) { e.className = cls; } return e; }
          function num(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'); }
          function bytes(n) {
            if (n === null || n === undefined) { return '—'; }
            var u = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0;
            while (n >= 1024 && i < 4) { n /= 1024; i++; }
            return (i ? n.toFixed(1) : n) + ' ' + u[i];
          }
          function table(root, cols, rows, opts) {
            var st = { q: '', sort: opts.sort || 0, dir: opts.dir || 1, page: 0, size: 50, filter: '' };
            root.textContent = '';
            var bar = el('div', 'bar'), q = el('input');
            q.type = 'search'; q.placeholder = '検索 / search'; bar.appendChild(q);
            if (opts.filters) {
              var sel = el('select');
              opts.filters.forEach(function (f, i) { var o = el('option'); o.value = String(i); o.textContent = f[0]; sel.appendChild(o); });
              sel.onchange = function () { st.filter = sel.value; st.page = 0; draw(); };
              bar.appendChild(sel);
            }
            var info = el('span', 'note'); bar.appendChild(info); root.appendChild(bar);
            var t = el('table', 't'), head = el('tr'), body = el('tbody'), thead = el('thead');
            cols.forEach(function (c, i) {
              var th = el('th'); th.textContent = c[0]; th.tabIndex = 0;
              th.onclick = function () { if (st.sort === i) { st.dir = -st.dir; } else { st.sort = i; st.dir = c[3] ? -1 : 1; } draw(); };
              head.appendChild(th);
            });
            thead.appendChild(head); t.appendChild(thead); t.appendChild(body); root.appendChild(t);
            var pager = el('div', 'pager'); root.appendChild(pager);
            q.oninput = function () { st.q = q.value.toLowerCase(); st.page = 0; draw(); };
            function draw() {
              var list = rows;
              if (opts.filters && st.filter) { var f = opts.filters[Number(st.filter)][1]; if (f) { list = list.filter(f); } }
              if (st.q) { list = list.filter(function (r) { return cols.some(function (c) { return String(c[1](r)).toLowerCase().indexOf(st.q) >= 0; }); }); }
              var key = cols[st.sort][2] || cols[st.sort][1];
              list = list.slice().sort(function (a, b) { var x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * st.dir; });
              var pages = Math.max(1, Math.ceil(list.length / st.size));
              if (st.page >= pages) { st.page = pages - 1; }
              var frag = document.createDocumentFragment();
              list.slice(st.page * st.size, (st.page + 1) * st.size).forEach(function (r) {
                var tr = el('tr', opts.rowClass ? opts.rowClass(r) : '');
                cols.forEach(function (c) { var td = el('td', c[2] ? 'n' : ''); td.textContent = c[1](r); tr.appendChild(td); });
                if (opts.open) { tr.style.cursor = 'pointer'; tr.onclick = function () { opts.open(r); }; }
                frag.appendChild(tr);
              });
              body.textContent = ''; body.appendChild(frag);
              Array.prototype.forEach.call(head.children, function (th, i) { th.setAttribute('aria-sort', i === st.sort ? (st.dir > 0 ? 'ascending' : 'descending') : 'none'); });
              info.textContent = num(list.length) + ' 件 / rows';
              pager.textContent = '';
              var prev = el('button'), next = el('button'), label = el('span');
              prev.textContent = '← 前 / prev'; next.textContent = '次 / next →';
              prev.disabled = st.page === 0; next.disabled = st.page >= pages - 1;
              prev.onclick = function () { st.page--; draw(); }; next.onclick = function () { st.page++; draw(); };
              label.textContent = (st.page + 1) + ' / ' + pages;
              pager.appendChild(prev); pager.appendChild(label); pager.appendChild(next);
            }
            draw();
          }
          var A = D.accounts;
          function v(r) { return r[1]; }
          var accountCols = [
            ['アカウント / account', function (r) { return r[0]; }],
            ['判定 / verdict', function (r) { return V[r[1]]; }, v],
            ['理由 / reason', function (r) { return r[2]; }],
            ['移行元 件数 / source items', function (r) { return num(r[3]); }, function (r) { return r[3]; }],
            ['移行元 容量 / source bytes', function (r) { return bytes(r[4]); }, function (r) { return r[4]; }],
            ['移行先 件数 / target items', function (r) { return num(r[5]); }, function (r) { return r[5]; }],
            ['移行先 容量 / target bytes', function (r) { return bytes(r[6]); }, function (r) { return r[6] === null ? -1 : r[6]; }],
            ['一致 / matched', function (r) { return num(r[7]); }, function (r) { return r[7]; }],
            ['欠落 / missing', function (r) { return num(r[8]); }, function (r) { return r[8]; }, 1],
            ['余分 / extra', function (r) { return num(r[9]); }, function (r) { return r[9]; }, 1],
            ['重複 / doubled', function (r) { return num(r[10]); }, function (r) { return r[10]; }, 1],
            ['相違 / differing', function (r) { return num(r[11]); }, function (r) { return r[11]; }, 1],
            ['例外 / exceptions', function (r) { return num(r[12]); }, function (r) { return r[12]; }, 1],
            ['台帳 投入/スキップ/隔離 / ledger loaded/skipped/quarantined', function (r) { return num(r[14]) + ' / ' + num(r[15]) + ' / ' + num(r[16]); }],
            ['完了率 / complete %', function (r) { return r[13] + '%'; }, function (r) { return r[13]; }]
          ];
          function open(r) {
            var i = A.indexOf(r), box = document.getElementById('detail');
            box.hidden = false;
            document.getElementById('detail-account').textContent = r[0];
            document.getElementById('detail-verdict').textContent = V[r[1]] + ' — ' + r[2];
            document.getElementById('detail-verdict').className = 'card v' + r[1];
            table(document.getElementById('detail-containers'), [
              ['コンテナ / container', function (c) { return c[0]; }],
              ['移行元 / source', function (c) { return num(c[1]) + ' (' + bytes(c[2]) + ')'; }, function (c) { return c[1]; }],
              ['移行先 / target', function (c) { return num(c[3]) + ' (' + bytes(c[4]) + ')'; }, function (c) { return c[3]; }],
              ['一致 / matched', function (c) { return num(c[5]); }, function (c) { return c[5]; }],
              ['欠落 / missing', function (c) { return num(c[6]); }, function (c) { return c[6]; }, 1],
              ['余分 / extra', function (c) { return num(c[7]); }, function (c) { return c[7]; }, 1],
              ['重複 / doubled', function (c) { return num(c[8]); }, function (c) { return c[8]; }, 1],
              ['相違 / differing', function (c) { return num(c[9]); }, function (c) { return c[9]; }, 1],
              ['例外 / exceptions', function (c) { return num(c[10]); }, function (c) { return c[10]; }, 1],
              ['台帳 投入/スキップ/隔離 / ledger', function (c) { return num(c[11]) + ' / ' + num(c[12]) + ' / ' + num(c[13]); }]
            ], D.containers[i], {});
            table(document.getElementById('detail-issues'), [
              ['種類 / kind', function (x) { return x[1]; }],
              ['コンテナ / container', function (x) { return x[0]; }],
              ['識別子 / identity', function (x) { return x[2]; }],
              ['場所 / location', function (x) { return x[3]; }],
              ['項目 / field', function (x) { return x[4] || ''; }],
              ['移行元 / source', function (x) { return x[5] || ''; }],
              ['移行先 / target', function (x) { return x[6] || ''; }]
            ], D.issues[i], {});
            document.getElementById('detail-note').textContent = D.issueCounts[i] > D.issues[i].length
              ? '最初の ' + D.issues[i].length + ' 件を表示 (全 ' + num(D.issueCounts[i]) + ' 件は CSV に) / the first ' + D.issues[i].length + ' of ' + num(D.issueCounts[i]) + ' findings; all of them are in the CSV files'
              : num(D.issueCounts[i]) + ' 件 / findings';
            if (location.hash !== '#account=' + encodeURIComponent(r[0])) { history.replaceState(null, '', '#account=' + encodeURIComponent(r[0])); }
          }
          table(document.getElementById('accounts'), accountCols, A, {
            sort: 1, dir: -1, open: open,
            rowClass: function (r) { return 'r' + r[1]; },
            filters: [['すべて / all', null], [V[2], function (r) { return r[1] === 2; }], [V[1], function (r) { return r[1] === 1; }], [V[0], function (r) { return r[1] === 0; }]]
          });
          var m = /^#account=(.*)$/.exec(location.hash);
          if (m) { var name = decodeURIComponent(m[1]); var hit = A.filter(function (r) { return r[0] === name; })[0]; if (hit) { open(hit); } }
          document.body.setAttribute('data-ready', '1');
        }());
        """;

    public static string Render(ReportHeader header, IReadOnlyList<AccountReconciliation> accounts, JsonObject summary)
    {
        var zone = Tokyo();
        var html = new StringBuilder(64 * 1024 + accounts.Count * 600);
        var verdicts = summary["verdicts"]!.AsObject();
        var totals = summary["totals"]!.AsObject();
        html.Append("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append(CultureInfo.InvariantCulture, $"<title>照合レポート / reconciliation report — {Esc(header.Job)}</title>")
            .Append("<script>window.onerror=function(m,s,l){var d=document.createElement('div');d.id='script-error';d.textContent='スクリプトエラー / script error: '+m+' (line '+l+')';(document.body||document.documentElement).appendChild(d);};</script>")
            .Append("<style>").Append(Style).Append("</style></head><body>")
            .Append(CultureInfo.InvariantCulture, $"<h1>照合レポート / Reconciliation report: {Esc(header.Job)}</h1>")
            .Append("<table class=\"meta\">")
            .Append(Row("種類 / kind", header.Kind))
            .Append(Row("実行 / run", header.RunId ?? "—"))
            .Append(Row("照合日時 / reconciled", $"{Local(header.Started.UtcDateTime, zone)} – {Local(header.Ended.UtcDateTime, zone)} (Asia/Tokyo), {(header.Ended - header.Started).TotalSeconds:0.0} s"))
            .Append(Row("移行元 / source", header.Source))
            .Append(Row("移行先 / target", header.Target))
            .Append(Row("方式 / mode", header.Deep ? "詳細 (内容のハッシュも比較) / deep (content hashes compared)" : "メタデータのみ / metadata only"))
            .Append(Row("比較項目 / compared", "件数・容量・存在・重複 / counts, bytes, presence, doubles; " + string.Join(", ", header.Compared)))
            .Append(Row("要求数 / requests", header.Requests.ToString("N0", CultureInfo.InvariantCulture)))
            .Append("</table>");

        html.Append("<h2>判定 / Verdicts</h2><div class=\"cards\">")
            .Append(Card("v0", "完了 / complete", L(verdicts["complete"]), "verdict-complete"))
            .Append(Card("v1", "例外あり完了 / complete with exceptions", L(verdicts["completeWithExceptions"]), "verdict-exceptions"))
            .Append(Card("v2", "未完了 / incomplete", L(verdicts["incomplete"]), "verdict-incomplete"))
            .Append("</div>");
        html.Append("<h2>合計 / Totals</h2><div class=\"cards\">");
        foreach (var (key, label, isBytes) in new[]
                 {
                     ("sourceItems", "移行元 件数 / source items", false), ("sourceBytes", "移行元 容量 / source bytes", true),
                     ("targetItems", "移行先 件数 / target items", false), ("targetBytes", "移行先 容量 / target bytes", true),
                     ("matched", "一致 / matched", false), ("missing", "欠落 / missing", false), ("extra", "余分 / extra", false),
                     ("doubled", "重複 / doubled", false), ("differences", "相違 / differing", false), ("exceptions", "例外 / exceptions", false),
                     ("ledgerLoaded", "台帳: 投入 / ledger: loaded", false), ("ledgerSkipped", "台帳: スキップ / ledger: skipped", false),
                     ("ledgerQuarantined", "台帳: 隔離 / ledger: quarantined", false),
                 })
        {
            var value = totals[key] is { } node ? L(node) : (long?)null;
            html.Append(CultureInfo.InvariantCulture,
                $"<div class=\"card\" id=\"total-{key}\">{Esc(label)}<b>{(value is null ? "—" : isBytes ? Esc(Bytes(value.Value)) : value.Value.ToString("N0", CultureInfo.InvariantCulture))}</b></div>");
        }

        html.Append("</div>");
        var reasons = accounts.SelectMany(a => a.QuarantineCodes).GroupBy(p => p.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(p => p.Value))).OrderByDescending(p => p.Item2).ToList();
        html.Append("<h2>グラフ / Charts</h2><div class=\"charts\">")
            .Append("<figure><figcaption>アカウント別の完了率 (低い順) / completion per account (least complete first)</figcaption>").Append(Completion(accounts)).Append("</figure>")
            .Append("<figure><figcaption>実行中の移行バイト数 / bytes moved over the run</figcaption>").Append(BytesOverRun(header.Timeline, zone)).Append("</figure>")
            .Append("<figure><figcaption>隔離の理由 / quarantine reasons</figcaption>").Append(QuarantineReasons(reasons)).Append("</figure>")
            .Append("</div>");
        if (header.Conflicts.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"conflicts\">要確認の不整合 / Conflicts an admin must see ({header.Conflicts.Count:N0})</h2>")
                .Append("<table class=\"conflicts\"><tr><th>種類 / kind</th><th>対象 / subject</th><th>内容 / detail</th></tr>");
            foreach (var c in header.Conflicts.OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.Subject, StringComparer.Ordinal).Take(1000))
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Esc(c.Kind)}</td><td>{Esc(c.Subject)}</td><td>{Esc(c.Detail)}</td></tr>");
            }

            html.Append("</table>");
            if (header.Conflicts.Count > 1000)
            {
                html.Append("<p class=\"note\">最初の 1,000 件 / the first 1,000: see conflicts.csv</p>");
            }
        }

        html.Append("<h2>アカウント / Accounts</h2><p class=\"note\">行をクリックすると詳細 / click a row for its details. ")
            .Append("CSV: accounts.csv, containers.csv, conflicts.csv, missing.csv, extra.csv, doubled.csv, differences.csv, exceptions.csv, not-ours.csv, kept-by-policy.csv, deleted-on-target.csv; summary.json</p>")
            .Append("<div id=\"accounts\"><p>スクリプトが無効です / scripts are disabled: see accounts.csv</p></div>")
            .Append("<section id=\"detail\" hidden><h2>アカウント詳細 / Account detail: <span id=\"detail-account\"></span></h2>")
            .Append("<div id=\"detail-verdict\" class=\"card\"></div><h3>コンテナ / Containers</h3><div id=\"detail-containers\"></div>")
            .Append("<h3>検出事項 / Findings</h3><p class=\"note\" id=\"detail-note\"></p><div id=\"detail-issues\"></div></section>");
        html.Append("<script type=\"application/json\" id=\"data\">").Append(Data(accounts)).Append("</script>")
            .Append("<script>").Append(Script).Append("</script></body></html>\n");
        return html.ToString();
    }

    private static string Data(IReadOnlyList<AccountReconciliation> accounts)
    {
        var rows = new JsonArray();
        var containers = new JsonArray();
        var issues = new JsonArray();
        var issueCounts = new JsonArray();
        foreach (var a in accounts)
        {
            var t = a.Totals;
            rows.Add(new JsonArray(
                a.Account, (int)a.Verdict, a.Reason, t.SourceItems, t.SourceBytes, t.TargetItems, t.TargetBytes, t.Matched, t.Missing, t.Extra, t.Doubled,
                t.Differences, t.Exceptions, t.CompletionPercent, t.LedgerLoaded, t.LedgerSkipped, t.LedgerQuarantined));
            containers.Add(new JsonArray([.. a.Containers.Select(c => (JsonNode)new JsonArray(
                c.Container, c.SourceItems, c.SourceBytes, c.TargetItems, c.TargetBytes, c.Matched, c.Missing, c.Extra, c.Doubled, c.Differences, c.Exceptions,
                c.LedgerLoaded, c.LedgerSkipped, c.LedgerQuarantined))]));
            issues.Add(new JsonArray([.. a.Issues.Select(i => (JsonNode)new JsonArray(
                i.Container, i.KindName, i.Identity, i.Location, i.Field, i.SourceValue, i.TargetValue))]));
            issueCounts.Add(a.IssueCount);
        }

        var data = new JsonObject { ["accounts"] = rows, ["containers"] = containers, ["issues"] = issues, ["issueCounts"] = issueCounts };
        return data.ToJsonString(ReportWriter.Json);
    }

    private static long L(JsonNode? node) => long.Parse(node!.ToJsonString(), CultureInfo.InvariantCulture);

    private static string Row(string label, string value) => $"<tr><td>{Esc(label)}</td><td>{Esc(value)}</td></tr>";

    private static string Card(string cls, string label, long count, string id) =>
        string.Create(CultureInfo.InvariantCulture, $"<div class=\"card {cls}\" id=\"{id}\">{Esc(label)}<b>{count:N0}</b></div>");

    private static TimeZoneInfo Tokyo()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.CreateCustomTimeZone("JST", JapanTime.Offset, "JST", "JST");
        }
    }
}
