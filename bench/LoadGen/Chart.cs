namespace CommunityScale.Bench;

/// <summary>The sweeps as curves: p99 send→receive against deliveries per second, ours beside the baseline.</summary>
internal static class Chart
{
    public static void Write(IReadOnlyList<Part> parts, string path)
    {
        var plot = new ScottPlot.Plot();
        // A result paired with a second baseline is drawn once, under the scenario it was measured in.
        foreach (var part in parts.Where(p => p.Steps.Any(s => s.Label == "step") && p.MeasuredIn is null).OrderBy(p => p.Scenario, StringComparer.Ordinal).ThenBy(p => p.Role, StringComparer.Ordinal))
        {
            var steps = part.Steps.Where(s => s.Label == "step").OrderBy(s => s.Rate).ToArray();
            var line = plot.Add.Scatter(steps.Select(s => s.DeliveriesPerSecond).ToArray(), steps.Select(s => s.P99).ToArray());
            line.LegendText = $"{part.Scenario} {(part.Role == "ours" ? "CommunityScale" : part.BaselineName)}";
            line.LinePattern = part.Role == "ours" ? ScottPlot.LinePattern.Solid : ScottPlot.LinePattern.Dashed;
        }

        plot.Add.HorizontalLine(250, pattern: ScottPlot.LinePattern.Dotted).LegendText = "250 ms";
        plot.Title("Fan-out: p99 send→receive vs deliveries/s (each point a rate step)");
        plot.XLabel("deliveries per second");
        plot.YLabel("p99 send→receive (ms)");
        plot.Axes.SetLimitsY(0, 1000);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 1000, 600);
    }

    /// <summary>CPU of the process behind the gateway per message against channel size: raw (solid) and above its idle floor (dotted).</summary>
    public static void WriteChannelSizes(IReadOnlyList<Part> parts, string path)
    {
        var plot = new ScottPlot.Plot();
        foreach (var side in parts.SelectMany(p => p.Points ?? []).GroupBy(p => p.Side).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var points = side.OrderBy(p => p.Members).ToArray();
            var name = side.Key == "ours" ? "CommunityScale silo" : $"{side.Key} silo";
            var raw = plot.Add.Scatter(points.Select(p => (double)p.Members).ToArray(), points.Select(p => p.SiloCpuUsPerMessage / 1000).ToArray());
            raw.LegendText = $"{name}, raw";
            var aboveIdle = plot.Add.Scatter(points.Select(p => (double)p.Members).ToArray(), points.Select(p => p.SiloCpuUsPerMessageAboveIdle / 1000).ToArray());
            aboveIdle.LegendText = $"{name}, above its idle floor";
            aboveIdle.LinePattern = ScottPlot.LinePattern.Dotted;
            aboveIdle.Color = raw.Color;
        }

        var rate = parts.SelectMany(p => p.Points ?? []).Select(p => p.Rate).FirstOrDefault();
        plot.Title($"Silo CPU per accepted message against channel size ({rate} msg/s offered to both)");
        plot.XLabel("members in the channel");
        plot.YLabel("CPU of the process behind the gateway per message (ms)");
        // From zero, or below it: above the floor can come out negative where the floor's own noise is larger than the
        // messages' work (ours), and the chart shows it rather than clip it.
        var values = parts.SelectMany(p => p.Points ?? []).SelectMany(p => new[] { p.SiloCpuUsPerMessage, p.SiloCpuUsPerMessageAboveIdle }).Select(v => v / 1000).DefaultIfEmpty(1).ToArray();
        plot.Axes.SetLimitsY(Math.Min(0, values.Min() * 1.15), values.Max() * 1.15);
        plot.Add.HorizontalLine(0, pattern: ScottPlot.LinePattern.Dotted).Color = ScottPlot.Colors.Gray;
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(path, 1000, 600);
    }
}
