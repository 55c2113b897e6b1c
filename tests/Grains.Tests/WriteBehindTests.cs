using System.Threading.Channels;
using CommunityScale.Insights;
using CommunityScale.Streams;
using Orleans.Streams;

namespace CommunityScale.Grains.Tests;

/// <summary>
/// State written behind (<c>Grains/Scheduling/WriteBehind.cs</c>) is written and published once a change. The KPI
/// bucket is the grain whose flush honours the cancellation token of the timer tick that runs it.
/// </summary>
[Collection(SharedCluster.Name)]
[Trait("Area", "WritePath")]
public sealed class WriteBehindTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_kpi_change_reaches_the_dashboard_stream_once_and_the_bucket_then_falls_quiet()
    {
        var community = $"wb-{Guid.NewGuid():n}"[..20];
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var updates = Channel.CreateUnbounded<KpiDayRow>();
        var stream = fixture.Client.GetStreamProvider(StreamNames.Provider).GetStream<KpiStreamEvent>(StreamNames.ForKpis(community));
        var handle = await stream.SubscribeAsync((e, _) => e is KpiUpdated updated ? updates.Writer.WriteAsync(updated.Day).AsTask() : Task.CompletedTask);
        try
        {
            await fixture.Client.KpiWeek(new KpiWeekKey(community, KpiMath.Week(day))).Joined("ann", day);
            var first = await updates.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal((community, day), (first.CommunityId, first.Day));

            // Nothing changed since, so nothing more comes. Until 2026-12-06 the flush cancelled itself (disposing the
            // grain timer whose tick ran it cancels that tick's token), counted as failed and went again: the same row
            // every second and a state write every 10 s, for as long as the bucket stayed active.
            var more = updates.Reader.WaitToReadAsync().AsTask();
            var quiet = Task.Delay(TimeSpan.FromSeconds(3));
            var republished = await Task.WhenAny(more, quiet) == more;
            Assert.False(republished, "the bucket published its unchanged day again");
        }
        finally
        {
            await handle.UnsubscribeAsync();
        }
    }
}
