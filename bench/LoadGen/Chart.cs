namespace CommunityScale.Bench;

/// <summary>The sweeps as curves: p99 send→receive against deliveries per second, ours beside the baseline.</summary>
internal static class Chart
{
    public static void Write(IReadOnlyList<Part> parts, string path)
    {
        var plot = new ScottPlot.Plot();
        // A result paired with a second baseline is drawn once, under the scenario it was measured in.
        foreach (var part in parts.Where(p => p.Steps.Count > 0 && p.MeasuredIn is null).OrderBy(p => p.Scenario, StringComparer.Ordinal).ThenBy(p => p.Role, StringComparer.Ordinal))
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
}
