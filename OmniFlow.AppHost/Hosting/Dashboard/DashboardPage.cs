namespace OmniFlow.AppHost.Hosting.Dashboard;

/// <summary>The dashboard's single page: a table of resources refreshed every second from /api/resources.</summary>
public static class DashboardPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>OmniFlow resources</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
          .Healthy { color: #137333; } .Running, .Starting, .Waiting { color: #b06000; }
          .Exited, .Failed, .Stopped { color: #c5221f; }
          pre { margin: 0; max-height: 9rem; overflow: auto; font-size: .75rem; background: #f6f6f6; padding: .3rem; }
          button { margin-right: .2rem; }
        </style>
        </head>
        <body>
        <h1>OmniFlow resources</h1>
        <table>
          <thead><tr><th>Name</th><th>Kind</th><th>Mode</th><th>State</th><th>Health</th><th>Endpoint</th><th>Pid</th><th>Actions</th></tr></thead>
          <tbody id="resources"></tbody>
        </table>
        <script>
          const text = value => document.createTextNode(value ?? '');
          function cell(row, value, className) {
            const td = row.insertCell(); td.appendChild(text(value)); if (className) td.className = className; return td;
          }
          async function act(name, verb) {
            await fetch(`/api/resources/${encodeURIComponent(name)}/${verb}`, { method: 'POST' });
            refresh();
          }
          async function refresh() {
            const resources = await (await fetch('/api/resources?logs=12')).json();
            const body = document.getElementById('resources');
            body.replaceChildren();
            for (const r of resources) {
              const row = body.insertRow();
              cell(row, r.name); cell(row, r.kind); cell(row, r.mode);
              cell(row, r.exitCode == null ? r.state : `${r.state} (${r.exitCode})`, r.state);
              cell(row, r.health); cell(row, r.endpoint); cell(row, r.pid);
              const actions = row.insertCell();
              for (const verb of ['restart', 'stop', 'start']) {
                const button = document.createElement('button');
                button.appendChild(text(verb)); button.onclick = () => act(r.name, verb); actions.appendChild(button);
              }
              const logs = body.insertRow().insertCell(); logs.colSpan = 8;
              const pre = document.createElement('pre'); pre.appendChild(text(`${r.description}\n${r.logs.join('\n')}`));
              logs.appendChild(pre);
            }
          }
          refresh(); setInterval(refresh, 1000);
        </script>
        </body>
        </html>
        """;
}
