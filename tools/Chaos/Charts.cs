namespace CommunityScale.Chaos;

/// <summary>chart.png: acked/s and p99 ack latency with each fault as a shaded span; rss.png: RSS per process.</summary>
internal static class Charts
{
    public static void Write(Report report, string dir)
    {
        var load = new ScottPlot.Plot();
        var xs = report.Timeline.Select(b => b.At).ToArray();
        var acked = load.Add.Scatter(xs, report.Timeline.Select(b => b.AckedPerSecond).ToArray());
        acked.LegendText = "acked/s";
        var p99 = load.Add.Scatter(xs, report.Timeline.Select(b => b.P99AckMs ?? double.NaN).ToArray());
        p99.LegendText = "p99 ack latency incl. retries (ms, right)";
        p99.Axes.YAxis = load.Axes.Right;
        foreach (var fault in report.Faults)
        {
            var span = load.Add.HorizontalSpan(fault.StartedAt, Math.Max(fault.EndedAt, fault.StartedAt + 1));
            span.FillStyle.Color = ScottPlot.Colors.Red.WithAlpha(0.12);
            var line = load.Add.VerticalLine(fault.StartedAt);
            line.Color = ScottPlot.Colors.Red.WithAlpha(0.6);
            line.Text = $"{fault.Kind} {fault.Target}";
        }

        load.Title($"Chaos run, seed {report.Seed}: acked/s and p99 ack latency; faults shaded (start to recovery of the process)");
        load.XLabel("seconds since the load started");
        load.YLabel("acked messages per second");
        load.Axes.Right.Label.Text = "p99 ack latency (ms)";
        load.ShowLegend(ScottPlot.Alignment.UpperLeft);
        load.SavePng(Path.Combine(dir, "chart.png"), 1400, 600);

        var memory = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var (process, index) in report.RssSamples.GroupBy(s => s.Process).OrderBy(g => g.Key, StringComparer.Ordinal).Select((g, i) => (g, i)))
        {
            // One line per lifetime: joining a killed process to its successor would draw memory it never had.
            foreach (var (life, n) in process.GroupBy(s => s.Pid).Select((g, n) => (g, n)))
            {
                var points = life.OrderBy(s => s.At).ToArray();
                var line = memory.Add.Scatter(points.Select(p => p.At).ToArray(), points.Select(p => p.Bytes / 1048576.0).ToArray());
                line.Color = palette.GetColor(index);
                line.MarkerSize = 2;
                line.LegendText = n == 0 ? process.Key : "";
            }
        }

        foreach (var fault in report.Faults)
        {
            memory.Add.VerticalLine(fault.StartedAt).Color = ScottPlot.Colors.Red.WithAlpha(0.3);
        }

        memory.Title("RSS per process (a restarted process starts again from its start-up size); faults as red lines");
        memory.XLabel("seconds since the load started");
        memory.YLabel("RSS (MB)");
        memory.ShowLegend(ScottPlot.Alignment.UpperLeft);
        memory.SavePng(Path.Combine(dir, "rss.png"), 1400, 600);
    }
}
