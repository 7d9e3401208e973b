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
        *{box-sizing:border-box}
        body{font-family:sans-serif;margin:1.2em;color:#222;max-width:1400px;overflow-wrap:anywhere}
        h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
        .meta td{padding:1px 10px 1px 0;vertical-align:top}.cards{display:flex;gap:12px;flex-wrap:wrap}
        .card{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:150px;max-width:100%}.card b{display:block;font-size:1.6em}
        .card small{display:block;color:#555;max-width:24em;font-size:.8em}
        .v0,.c-ok{border-left:6px solid #2e7d32}.v1,.c-exc{border-left:6px solid #e0a000}.v2,.c-bad{border-left:6px solid #c62828}
        .c-unread{border-left:6px solid #6a1b9a}.c-info{border-left:6px solid #1565c0}.c-none{border-left:6px solid #9e9e9e}
        .scroll{overflow-x:auto;max-width:100%}
        table.t{border-collapse:collapse;width:100%;font-size:.9em}table.t th,table.t td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
        table.t th{background:#f3f3f3;cursor:pointer;user-select:none}td.n{text-align:right;font-variant-numeric:tabular-nums}
        tr.r2 td:first-child{border-left:4px solid #c62828}tr.r1 td:first-child{border-left:4px solid #e0a000}tr.r0 td:first-child{border-left:4px solid #2e7d32}
        tbody tr:hover{background:#f5f9ff}.bar{margin:6px 0;display:flex;flex-wrap:wrap;gap:8px;align-items:center}.pager button{margin:0 4px}
        .charts{display:flex;flex-wrap:wrap;gap:18px}.charts figure{margin:0;max-width:100%}.charts figcaption{font-weight:bold;margin-bottom:4px}
        .charts svg{max-width:100%;height:auto}
        #next{border:2px solid #1565c0;border-radius:6px;padding:4px 14px 8px;background:#f5f9ff}#next h2{margin-top:.4em;border:0}
        #next li{margin:.4em 0}#next code{display:inline-block;background:#fff;border:1px solid #ccc;padding:1px 6px;white-space:pre-wrap;word-break:break-all}
        #script-error{background:#c62828;color:#fff;padding:8px}.note{color:#555;font-size:.9em}
        @media print{
          body{margin:0;max-width:none;font-size:10pt;color:#000}
          .scroll{overflow:visible}
          .bar,.pager{display:none}
          table.t{font-size:8pt;width:100%}table.t th,table.t td{padding:1px 3px}
          thead{display:table-header-group}
          h2,h3{break-after:avoid;page-break-after:avoid}
          .card,figure,tr,#next li{break-inside:avoid;page-break-inside:avoid}
          #next{background:none}
          #accounts-section{break-before:page;page-break-before:always}
          tbody tr:hover{background:none}
        }
        """;

    private const string Script = """
        (function () {
          'use strict';
          var D = JSON.parse(document.getElementById('data').textContent);
          var V = ['完了 / complete', '例外あり完了 / complete with exceptions', '未完了 / incomplete'];
          var printing = window.matchMedia ? window.matchMedia('print') : null;
          var redraws = [], paper = false;
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
            var box = el('div', 'scroll'), t = el('table', 't'), head = el('tr'), body = el('tbody'), thead = el('thead');
            cols.forEach(function (c, i) {
              var th = el('th'); th.textContent = c[0]; th.tabIndex = 0;
              th.onclick = function () { if (st.sort === i) { st.dir = -st.dir; } else { st.sort = i; st.dir = c[3] ? -1 : 1; } draw(); };
              head.appendChild(th);
            });
            thead.appendChild(head); t.appendChild(thead); t.appendChild(body); box.appendChild(t); root.appendChild(box);
            var pager = el('div', 'pager'); root.appendChild(pager);
            q.oninput = function () { st.q = q.value.toLowerCase(); st.page = 0; draw(); };
            function draw() {
              var list = rows;
              if (opts.filters && st.filter) { var f = opts.filters[Number(st.filter)][1]; if (f) { list = list.filter(f); } }
              if (st.q) { list = list.filter(function (r) { return cols.some(function (c) { return String(c[1](r)).toLowerCase().indexOf(st.q) >= 0; }); }); }
              var key = cols[st.sort][2] || cols[st.sort][1];
              list = list.slice().sort(function (a, b) { var x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * st.dir; });
              // On paper every row is printed, not one page of the screen's table.
              var size = paper || (printing && printing.matches) ? Math.max(1, list.length) : st.size;
              var pages = Math.max(1, Math.ceil(list.length / size));
              if (st.page >= pages) { st.page = pages - 1; }
              var frag = document.createDocumentFragment();
              list.slice(st.page * size, (st.page + 1) * size).forEach(function (r) {
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
            redraws.push(draw);
            draw();
          }
          var A = D.accounts;
          function v(r) { return r[1]; }
          function pct(p) { return p === null ? '— 照合できず / not reconciled' : p + '%'; }
          var accountCols = [
            ['アカウント / account', function (r) { return r[0]; }],
            ['判定 / verdict', function (r) { return V[r[1]]; }, v],
            ['理由 / reason', function (r) { return r[2]; }],
            ['完了率 / complete %', function (r) { return pct(r[13]); }, function (r) { return r[13] === null ? -1 : r[13]; }],
            ['移行元 件数 / source items', function (r) { return num(r[3]); }, function (r) { return r[3]; }],
            ['移行先 件数 / target items', function (r) { return num(r[5]); }, function (r) { return r[5]; }],
            ['一致 / matched', function (r) { return num(r[7]); }, function (r) { return r[7]; }],
            ['欠落 / missing', function (r) { return num(r[8]); }, function (r) { return r[8]; }, 1],
            ['重複 / doubled', function (r) { return num(r[10]); }, function (r) { return r[10]; }, 1],
            ['相違 / differing', function (r) { return num(r[11]); }, function (r) { return r[11]; }, 1],
            ['余分 / extra', function (r) { return num(r[9]); }, function (r) { return r[9]; }, 1],
            ['隔離 / quarantined', function (r) { return num(r[17]); }, function (r) { return r[17]; }, 1],
            ['読めない / unreadable', function (r) { return num(r[18]); }, function (r) { return r[18]; }, 1],
            ['方針により保持 / kept by policy', function (r) { return num(r[19]); }, function (r) { return r[19]; }, 1],
            ['移行先で削除 / deleted on target', function (r) { return num(r[20]); }, function (r) { return r[20]; }, 1],
            ['移行元 容量 / source bytes', function (r) { return bytes(r[4]); }, function (r) { return r[4]; }],
            ['移行先 容量 / target bytes', function (r) { return bytes(r[6]); }, function (r) { return r[6] === null ? -1 : r[6]; }],
            ['台帳 投入/スキップ/隔離 / ledger loaded/skipped/quarantined', function (r) { return num(r[14]) + ' / ' + num(r[15]) + ' / ' + num(r[16]); }]
          ];
          function open(r) {
            var i = A.indexOf(r), box = document.getElementById('detail');
            box.hidden = false;
            document.getElementById('detail-account').textContent = r[0];
            document.getElementById('detail-verdict').textContent = V[r[1]] + ' — ' + r[2];
            document.getElementById('detail-verdict').className = 'card v' + r[1];
            var reasons = document.getElementById('detail-reasons');
            reasons.textContent = '';
            D.reasons[i].forEach(function (x) { var li = el('li'); li.textContent = x[0] + ': ' + num(x[1]) + ' 件 / items'; reasons.appendChild(li); });
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
              ['理由 / reason', function (x) { return x[2]; }],
              ['説明 / detail', function (x) { return x[3]; }],
              ['移行元 / source', function (x) { return x[4]; }],
              ['移行先 / target', function (x) { return x[5]; }],
              ['コンテナ / container', function (x) { return x[0]; }],
              ['識別子 / identity', function (x) { return x[6]; }]
            ], D.issues[i], {});
            document.getElementById('detail-note').textContent = D.issueCounts[i] > D.issues[i].length
              ? '最初の ' + D.issues[i].length + ' 件を表示 (全 ' + num(D.issueCounts[i]) + ' 件は CSV に) / the first ' + D.issues[i].length + ' of ' + num(D.issueCounts[i]) + ' findings; all of them are in the CSV files'
              : num(D.issueCounts[i]) + ' 件 / findings';
            if (location.hash !== '#account=' + encodeURIComponent(r[0])) { history.replaceState(null, '', '#account=' + encodeURIComponent(r[0])); }
          }
          table(document.getElementById('accounts'), accountCols, A, {
            sort: 3, dir: 1, open: open,
            rowClass: function (r) { return 'r' + r[1]; },
            filters: [['すべて / all', null], [V[2], function (r) { return r[1] === 2; }], [V[1], function (r) { return r[1] === 1; }], [V[0], function (r) { return r[1] === 0; }]]
          });
          var m = /^#account=(.*)$/.exec(location.hash);
          if (m) { var name = decodeURIComponent(m[1]); var hit = A.filter(function (r) { return r[0] === name; })[0]; if (hit) { open(hit); } }
          function redraw() { redraws.forEach(function (d) { d(); }); }
          if (printing) { if (printing.addEventListener) { printing.addEventListener('change', redraw); } else { printing.addListener(redraw); } }
          window.addEventListener('beforeprint', function () { paper = true; redraw(); });
          window.addEventListener('afterprint', function () { paper = false; redraw(); });
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

        var steps = NextSteps.For(header, accounts);
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"next\" data-steps=\"{Esc(string.Join(' ', steps.Select(s => s.Id)))}\"><h2>次にすること / What to do next</h2><ol>");
        foreach (var step in steps)
        {
            html.Append(CultureInfo.InvariantCulture, $"<li data-step=\"{Esc(step.Id)}\">{Esc(step.Japanese)}<br>{Esc(step.English)}");
            if (step.Command is { } command)
            {
                html.Append(CultureInfo.InvariantCulture, $"<br><code>{Esc(command)}</code>");
            }

            html.Append("</li>");
        }

        html.Append("</ol></section>");

        html.Append("<h2>判定 / Verdicts</h2><div class=\"cards\">")
            .Append(Card("v0", "完了 / complete", L(verdicts["complete"]), "verdict-complete"))
            .Append(Card("v1", "例外あり完了 / complete with exceptions", L(verdicts["completeWithExceptions"]), "verdict-exceptions"))
            .Append(Card("v2", "未完了 / incomplete", L(verdicts["incomplete"]), "verdict-incomplete"))
            .Append("</div>");
        var notReconciled = L(summary["accountsNotReconciled"]);
        if (notReconciled > 0)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<p class=\"note\" id=\"not-reconciled\">照合できなかったアカウント {notReconciled:N0} 件の数字は合計に入っていません / the figures of the {notReconciled:N0} account(s) that could not be reconciled are not in the totals</p>");
        }

        html.Append("<h2>合計 / Totals</h2>");
        AppendTotals(html, totals);
        AppendReasons(html, summary["reasons"]!.AsArray(), "reasons");
        var reasons = accounts.SelectMany(a => a.QuarantineCodes).GroupBy(p => p.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(p => p.Value))).OrderByDescending(p => p.Item2).ToList();
        html.Append("<h2>グラフ / Charts</h2><div class=\"charts\">")
            .Append("<figure id=\"chart-completion\"><figcaption>アカウント別の完了率 (低い順) / completion per account (least complete first)</figcaption>").Append(Completion(accounts)).Append("</figure>")
            .Append("<figure id=\"chart-bytes\"><figcaption>実行中の移行バイト数 / bytes moved over the run</figcaption>").Append(BytesOverRun(header.Timeline, zone)).Append("</figure>")
            .Append("<figure id=\"chart-quarantine\"><figcaption>隔離の理由 (台帳) / quarantine reasons (ledger)</figcaption>").Append(QuarantineReasons(reasons)).Append("</figure>")
            .Append("</div>");
        if (header.Conflicts.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"conflicts\">要確認の不整合 / Conflicts an admin must see ({header.Conflicts.Count:N0})</h2>")
                .Append("<div class=\"scroll\"><table class=\"conflicts t\"><thead><tr><th>種類 / kind</th><th>対象 / subject</th><th>内容 / detail</th></tr></thead><tbody>");
            foreach (var c in header.Conflicts.OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.Subject, StringComparer.Ordinal).Take(1000))
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Esc(c.Kind)}</td><td>{Esc(c.Subject)}</td><td>{Esc(c.Detail)}</td></tr>");
            }

            html.Append("</tbody></table></div>");
            if (header.Conflicts.Count > 1000)
            {
                html.Append("<p class=\"note\">最初の 1,000 件 / the first 1,000: see conflicts.csv</p>");
            }
        }

        html.Append("<section id=\"accounts-section\"><h2>アカウント / Accounts</h2><p class=\"note\">行をクリックすると詳細 / click a row for its details. ")
            .Append("CSV: accounts.csv, containers.csv, conflicts.csv, missing.csv, extra.csv, doubled.csv, differences.csv, exceptions.csv, not-ours.csv, kept-by-policy.csv, deleted-on-target.csv; summary.json</p>")
            .Append("<div id=\"accounts\"><p>スクリプトが無効です / scripts are disabled: see accounts.csv</p></div></section>")
            .Append("<section id=\"detail\" hidden><h2>アカウント詳細 / Account detail: <span id=\"detail-account\"></span></h2>")
            .Append("<div id=\"detail-verdict\" class=\"card\"></div><h3>理由の内訳 / Every reason</h3><ul id=\"detail-reasons\"></ul>")
            .Append("<h3>コンテナ / Containers</h3><div id=\"detail-containers\"></div>")
            .Append("<h3>検出事項 / Findings</h3><p class=\"note\" id=\"detail-note\"></p><div id=\"detail-issues\"></div></section>");
        html.Append("<script type=\"application/json\" id=\"data\">").Append(Data(accounts)).Append("</script>")
            .Append("<script>").Append(Script).Append("</script></body></html>\n");
        return html.ToString();
    }

    /// <summary>
    /// The totals as cards, each figure its own card and colour: red for what is wrong (missing, doubled, differing,
    /// extra), amber for exceptions to fix (quarantined), purple for what could not be read, blue for what is as asked
    /// (deleted on the target by its owner, kept on the target by policy), grey for what needs nothing.
    /// </summary>
    private static void AppendTotals(StringBuilder html, JsonObject totals)
    {
        long? Value(string key) => totals[key] is { } node ? L(node) : null;
        var should = Value("shouldArrive") ?? 0;
        var arrived = Value("arrived") ?? 0;
        // Null when no account could be reconciled: nothing is known, so no percentage at all.
        var percent = totals["completionPercent"]?.GetValue<double>();
        var shown = percent is { } p ? p.ToString("0.##", CultureInfo.InvariantCulture) : null;
        html.Append("<div class=\"cards\">")
            .Append(CultureInfo.InvariantCulture,
                $"<div class=\"card {(percent >= 100 ? "c-ok" : "c-bad")}\" id=\"total-completion\" data-value=\"{shown ?? string.Empty}\">完了率 / complete<b>{(shown is null ? "— 照合できず / not reconciled" : shown + "%")}</b>" +
                $"<small>届いて一致 {arrived:N0} / 移るべき {should:N0} — arrived and matching {arrived:N0} of {should:N0} that should arrive</small></div>");
        foreach (var (key, cls, label, note) in new[]
                 {
                     ("sourceItems", "c-none", "移行元 件数 / source items", (string?)null),
                     ("targetItems", "c-none", "移行先 件数 / target items", null),
                     ("matched", "c-ok", "一致 / matched", "移行先に見つかった項目 / found on the target"),
                     ("missing", "c-bad", "欠落 / missing", "移行先にない / not on the target"),
                     ("doubled", "c-bad", "重複 / doubled", "移行先に 2 つ以上 / on the target more than once"),
                     ("differences", "c-bad", "相違 / differing", "内容・フラグ・日時などが違う / content, flags, dates… differ"),
                     ("extra", "c-bad", "余分 / extra", "dxmig が書いたが移行元にない / written by dxmig, not on the source"),
                     ("quarantined", "c-exc", "隔離 (例外) / quarantined (exceptions)", "移行元のデータに問題があり移していない: exceptions.csv / not moved, the source data has a problem: exceptions.csv"),
                     ("unreadable", "c-unread", "読めない / unreadable", "どちらかの側で読めなかった: exceptions.csv / could not be read on one side: exceptions.csv"),
                     ("skipped", "c-none", "スキップ (規則) / skipped by a rule", "ジョブの規則で移さない / not moved by a rule of the job"),
                     ("deletedOnTarget", "c-info", "移行先で削除 / deleted on the target", "移行後に利用者が移行先で削除した / deleted by its owner on the target after cutover"),
                     ("keptByPolicy", "c-info", "移行先にだけ残る項目 (方針により保持) / kept on the target by policy",
                         "移行元で削除されたが、削除の方針 (keep) かしきい値での保留により移行先に残している: 移行先の件数が移行元より多いのはこの分です / deleted on the source but kept on the target by the deletion policy (keep) or held back at the threshold: why the target holds more than the source"),
                     ("notOurs", "c-none", "dxmig 以外の項目 / not dxmig's", "移行後に届いたメールなど / mail that arrived after cutover…"),
                 })
        {
            var value = Value(key) ?? 0;
            html.Append(CultureInfo.InvariantCulture,
                $"<div class=\"card {cls}\" id=\"total-{key}\" data-count=\"{value}\">{Esc(label)}<b>{value:N0}</b>{(note is null ? string.Empty : $"<small>{Esc(note)}</small>")}</div>");
        }

        foreach (var (key, label) in new[] { ("sourceBytes", "移行元 容量 / source bytes"), ("targetBytes", "移行先 容量 / target bytes") })
        {
            var value = Value(key);
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"card c-none\" id=\"total-{key}\">{Esc(label)}<b>{(value is null ? "—" : Esc(Bytes(value.Value)))}</b></div>");
        }

        html.Append(CultureInfo.InvariantCulture,
            $"<div class=\"card c-none\" id=\"total-ledger\">台帳 投入/スキップ/隔離 / ledger loaded/skipped/quarantined<b>{Value("ledgerLoaded"):N0} / {Value("ledgerSkipped"):N0} / {Value("ledgerQuarantined"):N0}</b></div>");
        html.Append("</div>");

        // Why the two counts differ, in words, when they do.
        var gap = (Value("targetItems") ?? 0) - (Value("sourceItems") ?? 0);
        if (gap != 0)
        {
            var parts = new List<string>();
            foreach (var (key, sign, ja, en) in new[]
                     {
                         ("keptByPolicy", "+", "方針により保持", "kept by policy"), ("notOurs", "+", "dxmig 以外", "not dxmig's"), ("extra", "+", "余分", "extra"),
                         ("doubled", "+", "重複", "doubled"), ("missing", "−", "欠落", "missing"), ("quarantined", "−", "隔離", "quarantined"),
                         ("skipped", "−", "スキップ", "skipped"), ("deletedOnTarget", "−", "移行先で削除", "deleted on the target"),
                     })
            {
                if (Value(key) is > 0 and var n)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{sign}{n:N0} {ja} / {en}"));
                }
            }

            html.Append(CultureInfo.InvariantCulture,
                $"<p class=\"note\" id=\"count-gap\">移行先と移行元の件数の差 / target minus source: {(gap > 0 ? "+" : "−")}{Math.Abs(gap):N0} ({Esc(parts.Count == 0 ? "—" : string.Join(", ", parts))})</p>");
        }
    }

    /// <summary>Every reason with its count, as a table a printer keeps (none dropped).</summary>
    private static void AppendReasons(StringBuilder html, JsonArray reasons, string id)
    {
        html.Append("<h2>理由の内訳 / Every reason</h2>");
        if (reasons.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p id=\"{id}\" class=\"note\">なし / none</p>");
            return;
        }

        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table class=\"t\" id=\"{id}\"><thead><tr><th>理由 / reason</th><th>件数 / items</th></tr></thead><tbody>");
        foreach (var r in reasons)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Esc(r!["label"]!.GetValue<string>())}</td><td class=\"n\">{L(r["count"]):N0}</td></tr>");
        }

        html.Append("</tbody></table></div>");
    }

    private static string Data(IReadOnlyList<AccountReconciliation> accounts)
    {
        var rows = new JsonArray();
        var containers = new JsonArray();
        var issues = new JsonArray();
        var issueCounts = new JsonArray();
        var reasons = new JsonArray();
        foreach (var a in accounts)
        {
            var t = a.Totals;
            rows.Add(new JsonArray(
                a.Account, (int)a.Verdict, a.Reason, t.SourceItems, t.SourceBytes, t.TargetItems, t.TargetBytes, t.Matched, t.Missing, t.Extra, t.Doubled,
                t.Differences, t.Exceptions, a.CompletionPercent, t.LedgerLoaded, t.LedgerSkipped, t.LedgerQuarantined, t.Quarantined, t.Unreadable,
                t.KeptByPolicy, t.DeletedOnTarget));
            reasons.Add(new JsonArray([.. a.Reasons.Select(r => (JsonNode)new JsonArray(r.Label, r.Count))]));
            containers.Add(new JsonArray([.. a.Containers.Select(c => (JsonNode)new JsonArray(
                c.Container, c.SourceItems, c.SourceBytes, c.TargetItems, c.TargetBytes, c.Matched, c.Missing, c.Extra, c.Doubled, c.Differences, c.Exceptions,
                c.LedgerLoaded, c.LedgerSkipped, c.LedgerQuarantined))]));
            issues.Add(new JsonArray([.. a.Issues.Select(i => (JsonNode)new JsonArray(
                i.Container, Words(i.Kind), i.Reason, i.Detail, i.SourceKey, i.TargetKey, i.Identity))]));
            issueCounts.Add(a.IssueCount);
        }

        var data = new JsonObject { ["accounts"] = rows, ["containers"] = containers, ["issues"] = issues, ["issueCounts"] = issueCounts, ["reasons"] = reasons };
        return data.ToJsonString(ReportWriter.Json);
    }

    private static string Words(IssueKind kind)
    {
        var (ja, en) = ReconIssue.Words(kind);
        return $"{ja} / {en}";
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
