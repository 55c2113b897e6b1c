using CommunityScale.Chat;
using CommunityScale.Chat.Journal;
using CommunityScale.Posting;
using CommunityScale.StorageLink;
using CommunityScale.TestSupport;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Gateway.Tests;

/// <summary>
/// Storage goes away in the middle of a burst on a channel with small pages, so journal appends and compaction (a page
/// sealed, the checkpoint stored, journal rows deleted) both meet the outage: sends fail fast with <c>unavailable</c>
/// or succeed, a client retrying with its clientMessageId ends with every message stored exactly once and in order,
/// and compaction resumes by itself once storage is back.
/// </summary>
[Trait("Area", "Chat")]
public sealed class JournalOutageTests
{
    private const int PageSize = 10;
    private const int Total = 80;

    [Fact]
    public async Task Storage_lost_during_compaction_fails_sends_fast_loses_nothing_acked_and_compaction_resumes()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var link = new TcpProxy(azurite.Port);
        var settings = SystemFixture.SettingsThrough(azurite, link);
        settings["Chat:HistoryPageSize"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Chat:RateLimitCount"] = "100000";
        settings["Chat:AwardRoundInterval"] = "00:00:00.050";
        await using var system = new ChatSystem(settings);
        await system.StartAsync();
        await using var ann = await TestUser.ConnectAsync(system.GatewayUrl, "ann");
        await using var bob = await TestUser.ConnectAsync(system.GatewayUrl, "bob");
        var (community, channel) = await SystemFixture.NewChannel(ann, bob);

        var acks = new SendAck[Total];
        var refusals = new List<string>();
        var burst = Task.Run(async () =>
        {
            for (var i = 0; i < Total; i++)
            {
                acks[i] = await SendUntilAcked(ann, community, channel, $"m{i}", $"c{i}", refusals);
                await Task.Delay(TimeSpan.FromMilliseconds(15));
            }
        });

        // Two pages in: compaction is at work when the link goes.
        while (acks[2 * PageSize + 5] is null && !burst.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }

        link.Cut();
        await Task.Delay(TimeSpan.FromSeconds(3));
        link.Restore();
        await burst.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.NotEmpty(refusals);
        Assert.All(refusals, code => Assert.Equal("unavailable", code));
        var history = await bob.GetAsync<HistoryPage>($"/api/communities/{community}/channels/{channel}/messages?afterSeq=0&limit=200");
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), history.Messages.Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(0, Total).Select(i => $"m{i}"), history.Messages.Select(m => m.Text));
        Assert.Equal(acks.Select(a => a.MessageId), history.Messages.Select(m => m.MessageId));

        // Compaction caught up without being asked: the journal keeps less than two pages of the channel.
        var journal = system.SiloServices.GetRequiredService<ChannelJournal>();
        var address = ChannelJournal.AddressOf(new ChannelKey(community, channel), journal.Partitions);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int journalled;
        while ((journalled = (await journal.Read(address, 0)).Count) >= 2 * PageSize && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        Assert.InRange(journalled, 0, (2 * PageSize) - 1);
    }

    private static async Task<SendAck> SendUntilAcked(TestUser user, string community, string channel, string text, string clientMessageId, List<string> refusals)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                return await user.Send(community, channel, text, clientMessageId);
            }
            catch (HubException ex) when (DateTime.UtcNow < deadline)
            {
                lock (refusals)
                {
                    refusals.Add(SystemFixture.CodeOf(ex));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    }
}
