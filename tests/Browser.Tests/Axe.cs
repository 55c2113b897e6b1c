using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace CommunityScale.Browser.Tests;

/// <summary>axe-core's WCAG 2.1 A/AA rules on what a page shows now; serious and critical findings are what fail a test.</summary>
public static class Axe
{
    public static async Task Check(IPage page, string screen, List<string> findings)
    {
        var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        findings.AddRange(result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{screen}: {v.Id} ({v.Impact}) {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Target))}"));
    }
}
