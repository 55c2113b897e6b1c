using System.Globalization;
using CommunityScale.Moderation.Classifier;
using CommunityScale.TextModels;
using Microsoft.ML;

namespace CommunityScale.Tools;

/// <summary>
/// --spam-experiments: trains only spam heads, several ways, and prints for each what the trainer's threshold rule
/// (the most recall at precision 0.97 over every held-out text) gives per file, and how many of the ordinary messages in
/// ordinary-messages.txt (written for this check, never trained on) it would refuse. Nothing is written.
/// </summary>
internal static class SpamExperiments
{
    public static void Run(MLContext ml, string root, IReadOnlyList<LabelledText> train, IReadOnlyList<LabelledText> test, float l1, float l2, string[] args)
    {
        var ordinary = File.ReadAllLines(Path.Combine(root, "tools", "ModerationTrainer", "ordinary-messages.txt")).Where(l => l.Length > 0).ToList();
        var featureSets = args.Contains("--cues-only") ? [true] : args.Contains("--base-only") ? new[] { false } : [false, true];
        foreach (var cues in featureSets)
        {
            var features = new FeatureSettings(20, SpamCues: cues);
            var trainer = new LinearTrainer(ml, features, l1, l2);
            Console.WriteLine($"== features: spam cues {cues}");
            var weights = LinearTrainer.BalancedWeights(train.Select(e => (e.File, e.Label)));
            IEnumerable<(string, bool, float)> All(float positiveBoost = 1) =>
                train.Select(e => (e.Text, e.Label == ModerationModel.Spam, weights[(e.File, e.Label)] * (e.Label == ModerationModel.Spam ? positiveBoost : 1)));

            var variants = new List<(string Name, Head[] Heads)>();
            void Add(string name, params Head[] heads) => variants.Add((name, heads));
            var single = trainer.TrainBinary("spam", All());
            Add("one head L-BFGS", single);
            if (!args.Contains("--quick") && !args.Contains("--comment-variants"))
            {
                Add("one head, spam weighted x2", trainer.TrainBinary("spam x2", All(2)));
                Add("one head, SDCA logistic", trainer.TrainBinary("spam sdca", All(), kind: "sdca"));
                Add("one head, linear SVM", trainer.TrainBinary("spam svm", All(), kind: "svm"));
                Add("one head L2 0.01", trainer.TrainBinary("spam l2 0.01", All(), headL2: 0.01f));
            }

            // One head per source family, combined by the max of their rescaled scores: SMS spam against every
            // non-spam text, comment spam against every non-spam text.
            var smsRows = train.Where(e => !(e.File == ModerationModel.YouTubeFile && e.Label == ModerationModel.Spam)).ToList();
            var smsWeights = LinearTrainer.BalancedWeights(smsRows.Select(e => (e.File, e.Label)));
            var commentRows = train.Where(e => !(e.File == "sms-spam-train" && e.Label == ModerationModel.Spam)).ToList();
            var commentWeights = LinearTrainer.BalancedWeights(commentRows.Select(e => (e.File, e.Label)));
            var sms = trainer.TrainBinary("spam.sms", smsRows.Select(e => (e.Text, e.Label == ModerationModel.Spam, smsWeights[(e.File, e.Label)])));
            var comment = trainer.TrainBinary("spam.comment", commentRows.Select(e => (e.Text, e.Label == ModerationModel.Spam, commentWeights[(e.File, e.Label)])));
            Add("two heads (sms, comment), max", sms, comment);
            if (args.Contains("--comment-variants"))
            {
                IEnumerable<(string, bool, float)> Comments(float youtubeBoost = 1) => commentRows.Select(e =>
                    (e.Text, e.Label == ModerationModel.Spam, commentWeights[(e.File, e.Label)] * (e.File == ModerationModel.YouTubeFile ? youtubeBoost : 1)));
                Add("two heads, comment L2 0.003", sms, trainer.TrainBinary("c l2 0.003", Comments(), headL2: 0.003f));
                Add("two heads, comment L2 0.1", sms, trainer.TrainBinary("c l2 0.1", Comments(), headL2: 0.1f));
                Add("two heads, comment L1 0.0001", sms, trainer.TrainBinary("c l1 0.0001", Comments(), headL1: 0.0001f));
                Add("two heads, comment NB alpha 1", sms, trainer.TrainBinary("c nb", Comments(), naiveBayes: 1f));
                Add("two heads, comment NB alpha 1 L2 0.1", sms, trainer.TrainBinary("c nb l2", Comments(), headL2: 0.1f, naiveBayes: 1f));
                Add("two heads, comment YouTube x3", sms, trainer.TrainBinary("c yt3", Comments(3)));
                Add("two heads, comment YouTube x3 NB", sms, trainer.TrainBinary("c yt3 nb", Comments(3), naiveBayes: 1f));
                var ytOnly = train.Where(e => e.File == ModerationModel.YouTubeFile).ToList();
                Add("three heads, + YouTube-only head", sms, comment, trainer.TrainBinary("c yt only", ytOnly.Select(e => (e.Text, e.Label == ModerationModel.Spam, 1f))));
            }
            else
            {
                Add("three heads (all, sms, comment), max", single, sms, comment);
            }

            foreach (var (name, heads) in variants)
            {
                Report(name, heads, trainer, test, ordinary);
            }
        }
    }

    private static void Report(string name, Head[] heads, LinearTrainer trainer, IReadOnlyList<LabelledText> test, List<string> ordinary)
    {
        var scores = test.Select(e => heads.Select(h => VideoFolds.Probability(h, trainer, e.Text)).ToArray()).ToList();
        var gold = test.Select(e => e.Label == ModerationModel.Spam).ToArray();
        var thresholds = ChooseThresholds(scores, gold, 0.97);
        bool Flag(float[] s) => s.Where((p, k) => p >= thresholds[k]).Any();
        var flagged = scores.Select(Flag).ToArray();
        string Binary(string file)
        {
            var idx = Enumerable.Range(0, test.Count).Where(i => test[i].File == file).ToList();
            var tp = idx.Count(i => gold[i] && flagged[i]);
            var p = (double)tp / Math.Max(1, idx.Count(i => flagged[i]));
            var r = (double)tp / Math.Max(1, idx.Count(i => gold[i]));
            return string.Create(CultureInfo.InvariantCulture, $"P {p:0.000} R {r:0.000} F1 {2 * p * r / Math.Max(1e-9, p + r):0.000}");
        }

        var others = Enumerable.Range(0, test.Count).Count(i => flagged[i] && test[i].File is not ("sms-spam-train" or ModerationModel.YouTubeFile));
        var ordinaryFlagged = ordinary.Where(t => Flag([.. heads.Select(h => VideoFolds.Probability(h, trainer, t))])).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-40} t={string.Join('/', thresholds.Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))} | sms {Binary("sms-spam-train")} | youtube {Binary(ModerationModel.YouTubeFile)} | other files flagged {others} | ordinary refused {ordinaryFlagged.Count}/{ordinary.Count}"));
        foreach (var text in ordinaryFlagged)
        {
            Console.WriteLine($"      refused: {text}");
        }

        if (heads.Length == 2 && Environment.GetEnvironmentVariable("SWEEP") is not null)
        {
            foreach (var t in new[] { 0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.25, 0.3 })
            {
                var at = scores.Select(s => s[0] >= thresholds[0] || s[1] >= t).ToArray();
                var yt = Enumerable.Range(0, test.Count).Where(i => test[i].File == ModerationModel.YouTubeFile).ToList();
                var tp = yt.Count(i => gold[i] && at[i]);
                var p = (double)tp / Math.Max(1, yt.Count(i => at[i]));
                var r = (double)tp / Math.Max(1, yt.Count(i => gold[i]));
                var all = (double)Enumerable.Range(0, test.Count).Count(i => gold[i] && at[i]) / Math.Max(1, at.Count(a => a));
                var otherFp = Enumerable.Range(0, test.Count).Count(i => at[i] && test[i].File is not ("sms-spam-train" or ModerationModel.YouTubeFile));
                var ord = ordinary.Count(o => heads.Select(h => VideoFolds.Probability(h, trainer, o)).ToArray() is var q && (q[0] >= thresholds[0] || q[1] >= t));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      comment t {t:0.00}: youtube P {p:0.000} R {r:0.000} F1 {2 * p * r / (p + r):0.000}, overall P {all:0.000}, other files {otherFp}, ordinary {ord}"));
            }
        }
    }

    /// <summary>
    /// Per head a threshold, so that a text is spam when any head reaches its own: the most true positives at the given
    /// precision over every held-out text (fewer false positives, then higher thresholds, on ties). One head: the
    /// trainer's rule. Several: a search over each head's candidate thresholds (coordinate ascent from the strictest).
    /// </summary>
    public static double[] ChooseThresholds(IReadOnlyList<float[]> scores, bool[] gold, double precision)
    {
        var heads = scores[0].Length;
        var candidates = Enumerable.Range(0, heads).Select(k =>
            scores.Where((s, i) => gold[i]).Select(s => (double)s[k]).Append(1.0001).Distinct().Order().ToArray()).ToArray();
        (int Tp, int Fp) Count(int[] at)
        {
            int tp = 0, fp = 0;
            for (var i = 0; i < scores.Count; i++)
            {
                var hit = false;
                for (var k = 0; k < heads && !hit; k++)
                {
                    hit = scores[i][k] >= candidates[k][at[k]];
                }

                if (hit)
                {
                    tp += gold[i] ? 1 : 0;
                    fp += gold[i] ? 0 : 1;
                }
            }

            return (tp, fp);
        }

        return Search(candidates, at =>
        {
            var (tp, fp) = Count(at);
            return (tp + fp > 0 && (double)tp / (tp + fp) >= precision, tp, fp);
        });
    }

    /// <summary>
    /// Coordinate ascent over each head's candidate thresholds (indices into <paramref name="candidates"/>, sorted
    /// ascending), from the strictest: a move is kept when <paramref name="count"/> says it is allowed and it catches
    /// more, or as many with fewer false positives, or as many at a higher threshold.
    /// </summary>
    public static double[] Search(double[][] candidates, Func<int[], (bool Ok, int Tp, int Fp)> count)
    {
        var current = candidates.Select(c => c.Length - 1).ToArray();
        var best = count(current);
        for (var round = 0; round < 4; round++)
        {
            var changed = false;
            for (var k = 0; k < candidates.Length; k++)
            {
                for (var j = 0; j < candidates[k].Length; j++)
                {
                    var trial = (int[])current.Clone();
                    trial[k] = j;
                    var result = count(trial);
                    if (result.Ok && (result.Tp > best.Tp || (result.Tp == best.Tp && result.Fp < best.Fp) || (result.Tp == best.Tp && result.Fp == best.Fp && j > current[k])))
                    {
                        current = trial;
                        best = result;
                        changed = true;
                    }
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return [.. current.Select((j, k) => candidates[k][j])];
    }
}
