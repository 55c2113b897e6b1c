using System.Globalization;
using CommunityScale.Moderation.Classifier;
using CommunityScale.TextModels;
using Microsoft.ML;

namespace CommunityScale.Tools;

/// <summary>
/// --learning-curve: does the comment head rank an unseen video's comments better when it learnt from more videos? Each
/// video is held out in turn (with 20 % of every other file, as the shipped split); the spam heads are trained on the
/// rest with one of the other videos' comments, then with both, and the held-out video's comments are ranked by the
/// comment head. Prints AUC and the best F1 any threshold would give (an oracle, so a ranking figure, not a rule's).
/// Nothing is written.
/// </summary>
internal static class LearningCurve
{
    public static void Run(MLContext ml, IReadOnlyList<LabelledText> examples, float l1, float l2)
    {
        var trainer = new LinearTrainer(ml, new FeatureSettings(20), l1, l2);
        var videos = ModerationModel.YouTubeVideos.Select(v => v.Video).ToList();
        var bySize = new Dictionary<int, List<(double Auc, double Oracle)>>();
        foreach (var heldOut in videos)
        {
            var (train, test) = ModerationModel.Split(examples, heldOut);
            var comments = test.Where(e => e.Group == heldOut).ToList();
            var others = videos.Where(v => v != heldOut).ToList();
            var subsets = others.Select(v => new[] { v }).Append([.. others]);
            foreach (var subset in subsets)
            {
                var rows = train.Where(e => e.Group.Length == 0 || subset.Contains(e.Group)).ToList();
                var heads = VideoFolds.SpamHeads(trainer, rows);
                var scored = comments.Select(e => (Score: (double)VideoFolds.Probability(heads[1], trainer, e.Text), Gold: e.Label == ModerationModel.Spam)).ToList();
                var (auc, oracle) = (Auc(scored), OracleF1(scored));
                if (!bySize.TryGetValue(subset.Length, out var list))
                {
                    list = [];
                    bySize[subset.Length] = list;
                }

                list.Add((auc, oracle));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  held out {heldOut,-9} trained on {string.Join('+', subset),-17} comment head AUC {auc:0.000} oracle F1 {oracle:0.000}"));
            }
        }

        foreach (var (size, list) in bySize.OrderBy(p => p.Key))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{size} training video(s): AUC mean {list.Average(p => p.Auc):0.000} (min {list.Min(p => p.Auc):0.000}), oracle F1 mean {list.Average(p => p.Oracle):0.000} (min {list.Min(p => p.Oracle):0.000})"));
        }
    }

    /// <summary>The chance that a random spam comment scores above a random ham one (ties count half).</summary>
    public static double Auc(IReadOnlyList<(double Score, bool Gold)> scored)
    {
        var spam = scored.Where(s => s.Gold).Select(s => s.Score).ToList();
        var ham = scored.Where(s => !s.Gold).Select(s => s.Score).ToList();
        double wins = 0;
        foreach (var s in spam)
        {
            foreach (var h in ham)
            {
                wins += s > h ? 1 : s == h ? 0.5 : 0;
            }
        }

        return wins / Math.Max(1, spam.Count * ham.Count);
    }

    /// <summary>The best F1 over every threshold, chosen with the truth in hand: what the ranking allows at most.</summary>
    public static double OracleF1(IReadOnlyList<(double Score, bool Gold)> scored)
    {
        var positives = scored.Count(s => s.Gold);
        var best = 0.0;
        int tp = 0, flagged = 0;
        foreach (var s in scored.OrderByDescending(s => s.Score))
        {
            flagged++;
            tp += s.Gold ? 1 : 0;
            best = Math.Max(best, 2.0 * tp / (flagged + positives));
        }

        return best;
    }
}
