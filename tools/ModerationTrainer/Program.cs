using CommunityScale.Moderation.Classifier;
using Microsoft.ML;

// Trains the spam/abuse classifier from data/moderation, measures it on the held-out split only, and writes the
// model (Silo/Models/moderation-classifier.zip) and docs/moderation-metrics.json. Run from the repository root:
//   dotnet run --project tools/ModerationTrainer -c Release
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var examples = ModerationModel.Load(Path.Combine(root, "data", "moderation"));
var (train, test) = ModerationModel.Split(examples);
Console.WriteLine($"{examples.Count} examples: {train.Count} to train, {test.Count} held out");

var ml = new MLContext(seed: ModerationModel.Seed);
var model = ModerationModel.Train(ml, train);
var metrics = ModerationModel.Evaluate(ml, model, test);
Console.WriteLine($"held out: precision {metrics.Precision}, recall {metrics.Recall}, F1 {metrics.F1}");
foreach (var language in metrics.Languages)
{
    var part = ModerationModel.Evaluate(ml, model, [.. test.Where(t => t.Language == language)]);
    Console.WriteLine($"  {language}: precision {part.Precision}, recall {part.Recall}, F1 {part.F1} on {part.TestExamples} examples");
}


var modelPath = Path.Combine(root, "Silo", "Models", "moderation-classifier.zip");
Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
ml.Model.Save(model, ml.Data.LoadFromEnumerable(train).Schema, modelPath);
await File.WriteAllTextAsync(Path.Combine(root, "docs", "moderation-metrics.json"), ModerationModel.ToJson(metrics));
Console.WriteLine($"wrote {modelPath} ({new FileInfo(modelPath).Length / 1024} KiB) and docs/moderation-metrics.json");
