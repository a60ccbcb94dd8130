// The Session without a window: edits and undo, opening, the one worker pattern, and training runs whose timeline
// holds exactly the snapshots the run saved (also for a folder that core's train() wrote, as the CLI does).
#include "eigenscope/analysis_export.h"
#include "eigenscope/presets.h"
#include "eigenscope/model.h"
#include "eigenscope/train.h"
#include "session/board.h"
#include "session/session.h"
#include "session/training_run.h"
#include "session/worker.h"
#include "ui_test_util.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace eigenscope::ui {
namespace {

using testing::tinyRun;
using testing::tinyTrainOptions;
using testing::waitFor;


bool settled(const Session& s) { return s.current() && !s.computing() && !s.loading(); }

TEST(Session, StartsOnTheDemoAndRefusesAnInvalidEditKeepingItsState) {
    Session session;
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    EXPECT_EQ(session.model().preset, "cpu-paper-mqar-mamba2");
    const auto before = session.current();
    QSignalSpy errors(&session, &Session::errorRaised), announced(&session, &Session::modelChanged);
    ModelSpec bad = session.spec();
    bad.blocks[0].mixer.options["num_heads"] = 3;
    EXPECT_FALSE(session.editSpec(bad, "bad heads"));
    ASSERT_EQ(errors.count(), 1);
    EXPECT_NE(errors.front().front().toString().indexOf("num_heads"), -1);
    EXPECT_EQ(announced.count(), 1) << "the editors are told to show the model that stays";
    EXPECT_EQ(session.undoStack()->count(), 0);
    EXPECT_EQ(specToJson(session.spec()), specToJson(presetSpec("cpu-paper-mqar-mamba2")));
    EXPECT_EQ(session.current(), before);
}

TEST(Session, PresetsAndEditsAreUndoStepsWithTheirPresetName) {
    Session session;
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    ASSERT_TRUE(session.openModel("preset:cpu-paper-mqar-lru"));
    EXPECT_EQ(session.model().preset, "cpu-paper-mqar-lru");
    ModelSpec wider = session.spec();
    wider.dModel = 32;
    ASSERT_TRUE(session.editSpec(wider, "d_model = 32"));
    EXPECT_TRUE(session.model().preset.isEmpty()) << "an edited preset is a custom model";
    session.undoStack()->undo();
    EXPECT_EQ(session.model().preset, "cpu-paper-mqar-lru");
    session.undoStack()->undo();
    EXPECT_EQ(session.model().preset, "cpu-paper-mqar-mamba2");
    ASSERT_TRUE(waitFor([&] { return settled(session) && session.current()->layers[0].mixer == "mamba2"; }));
}

TEST(Session, StaleUntilTheLatestResultIsShown) {
    Session session;
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    EXPECT_FALSE(session.stale());
    auto settings = session.settings();
    settings.input.seqLen = 12000;  // seconds per layer on 2 cores
    session.setSettings(settings);
    EXPECT_TRUE(session.stale());
    QElapsedTimer timer;
    timer.start();
    waitFor([&] { return timer.elapsed() > 300; });
    session.cancel();
    ASSERT_TRUE(waitFor([&] { return !session.computing(); }));
    EXPECT_TRUE(session.stale()) << "the plots show the previous input";
    EXPECT_EQ(session.current()->seqLen, 128);
    settings.input.seqLen = 32;
    session.setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    EXPECT_FALSE(session.stale());
    EXPECT_EQ(session.current()->seqLen, 32);
}

TEST(Session, ASlowAnalysisShowsAOneSequencePreviewFirst) {
    Session session;
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    auto settings = session.settings();
    settings.input = parseInputSpec("randn");
    settings.input.seqLen = 1024;  // the demo at B = 8: well over the preview threshold on any machine
    session.setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    ASSERT_TRUE(session.lastError().isEmpty()) << session.lastError().toStdString();
    EXPECT_FALSE(session.preview());
    std::vector<std::pair<int64_t, bool>> shown;  // batch, preview
    QObject::connect(&session, &Session::resultReady, [&] { shown.emplace_back(session.current()->batch, session.preview()); });
    settings.input.seed = 5;
    session.setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    ASSERT_EQ(shown.size(), 2u);
    EXPECT_EQ(shown[0], std::make_pair(int64_t(1), true));
    EXPECT_EQ(shown[1], std::make_pair(int64_t(8), false));
    EXPECT_EQ(session.current()->seqLen, 1024);
    EXPECT_FALSE(session.stale());
}

TEST(Session, ARequestWhosePreviewIsShownGivesWayToTheNext) {
    Session session;
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    auto settings = session.settings();
    settings.input = parseInputSpec("randn");
    settings.input.seqLen = 2048;
    session.setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    std::vector<std::pair<uint64_t, bool>> shown;  // seed, preview
    QObject::connect(&session, &Session::resultReady, [&] { shown.emplace_back(session.settings().input.seed, session.preview()); });
    settings.input.seed = 1;
    session.setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return session.preview(); }));
    settings.input.seed = 2;
    session.setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return settled(session); }));
    const std::vector<std::pair<uint64_t, bool>> expected = {{1, true}, {2, true}, {2, false}};
    EXPECT_EQ(shown, expected) << "the first request's whole batch was computed although a newer one was waiting";
    EXPECT_FALSE(session.stale());
}

TEST(Worker, PartialValuesArriveInOrderBeforeTheCompletion) {
    Worker worker(Worker::Policy::LatestWins);
    std::vector<int> seen;
    worker.submit(
        [](const Worker::Context& c) {
            c.partial(1);
            c.partial(2);
            return std::any(3);
        },
        [&](const Worker::Outcome& o) { seen.push_back(std::any_cast<int>(o.value)); },
        [&](const Worker::Outcome& o) { seen.push_back(std::any_cast<int>(o.value)); });
    ASSERT_TRUE(waitFor([&] { return seen.size() == 3; }));
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

// A finished job's completion runs on the GUI thread later; until it has, the worker is busy, so what the completion
// starts (an opened model's analysis) follows without a moment in which nothing seems to be happening.
TEST(Worker, StaysBusyUntilTheCompletionHasRun) {
    Worker worker(Worker::Policy::Queue);
    std::atomic<bool> finished{false};
    bool delivered = false, busyInCompletion = false;
    worker.submit(
        [&](const Worker::Context&) {
            finished = true;
            return std::any(1);
        },
        [&](const Worker::Outcome&) {
            delivered = true;
            busyInCompletion = worker.busy();
        });
    while (!finished) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the job has returned; its completion is queued
    EXPECT_FALSE(delivered);
    EXPECT_TRUE(worker.busy());
    ASSERT_TRUE(waitFor([&] { return delivered; }));
    EXPECT_TRUE(busyInCompletion);
    EXPECT_FALSE(worker.busy());
}

TEST(Worker, LatestWinsCancelsWaitingJobsAndCompletesEveryOne) {
    Worker worker(Worker::Policy::LatestWins);
    std::atomic<bool> running{false}, release{false};
    std::vector<std::pair<quint64, bool>> done;  // id, cancelled
    const auto record = [&](const Worker::Outcome& o) { done.emplace_back(o.id, o.cancelled); };
    const auto first = worker.submit([&](const Worker::Context&) {
        running = true;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return std::any(1);
    }, record);
    ASSERT_TRUE(waitFor([&] { return bool(running); }));
    const auto second = worker.submit([](const Worker::Context&) { return std::any(2); }, record);
    const auto third = worker.submit([](const Worker::Context&) { return std::any(3); }, record);
    release = true;
    ASSERT_TRUE(waitFor([&] { return done.size() == 3; }));
    EXPECT_EQ(done[0], std::make_pair(second, true)) << "replaced while it waited";
    EXPECT_EQ(done[1], std::make_pair(first, false));
    EXPECT_EQ(done[2], std::make_pair(third, false));
}

TEST(Worker, CancelReachesTheRunningJobAndDestructionJoins) {
    std::vector<Worker::Outcome> done;
    std::atomic<bool> running{false}, stopped{false};
    {
        Worker worker(Worker::Policy::Queue);
        worker.submit([&](const Worker::Context& c) {
            running = true;
            while (!c.cancel) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            throw Cancelled();
            return std::any();
        }, [&](const Worker::Outcome& o) { done.push_back(o); });
        ASSERT_TRUE(waitFor([&] { return bool(running); }));
        running = false;
        worker.cancel();
        ASSERT_TRUE(waitFor([&] { return done.size() == 1; }));
        EXPECT_TRUE(done[0].cancelled);
        worker.submit([&](const Worker::Context& c) {
            running = true;
            while (!c.cancel) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            stopped = true;
            return std::any();
        }, [&](const Worker::Outcome& o) { done.push_back(o); });
        ASSERT_TRUE(waitFor([&] { return bool(running); }));
    }
    EXPECT_TRUE(stopped) << "the destructor cancelled and joined the running job";
    QApplication::processEvents();
    EXPECT_EQ(done.size(), 1u) << "no completion after the worker is gone";
}

void expectSameSnapshots(const std::vector<TrainingRun::Snapshot>& shown, const RunFolder& run) {
    ASSERT_EQ(shown.size(), run.snapshots.size());
    for (size_t i = 0; i < shown.size(); ++i) {
        EXPECT_EQ(shown[i].step, run.snapshots[i].first);
        const AnalysisResult saved = readAnalysisNpz(run.snapshots[i].second);
        ASSERT_EQ(saved.layers.size(), shown[i].result->layers.size());
        for (size_t l = 0; l < saved.layers.size(); ++l) {
            EXPECT_EQ(saved.layers[l].eig, shown[i].result->layers[l].eig) << "step " << shown[i].step;
            EXPECT_EQ(saved.layers[l].binsMean, shown[i].result->layers[l].binsMean);
        }
    }
}

TEST(TrainingRun, TheTimelineHoldsTheSnapshotsTheRunSaves) {
    QTemporaryDir runs;
    Session session;
    auto* run = session.training();
    run->start(session.spec(), QString(), QString(), tinyRun(runs.path(), 20, 10));
    EXPECT_TRUE(run->running());
    const QString folder = run->folder();
    ASSERT_TRUE(waitFor([&] { return !run->running(); }));
    expectSameSnapshots(run->snapshots(), readRunFolder(folder.toStdString()));
    EXPECT_EQ(run->snapshots().size(), 3u);
}

TEST(TrainingRun, OpensAFolderWrittenByTrainAsTheCliDoes) {
    QTemporaryDir dir;
    const std::string folder = dir.filePath("cli-run").toStdString();
    Model model = Model::open("preset:cpu-paper-mqar-softmax");
    const TrainOptions o = tinyTrainOptions(folder, 24, 8, 8, 4);
    std::atomic<bool> cancel{false};
    int steps = 0;
    train(model, o, [&](const TrainProgress&) { cancel = ++steps == 16; }, &cancel);  // stopped at step 16

    Session session;
    auto* run = session.training();
    QSignalSpy reset(run, &TrainingRun::reset);
    run->open(QString::fromStdString(folder));
    ASSERT_TRUE(waitFor([&] { return reset.count() == 1; }));
    const RunFolder saved = readRunFolder(folder);
    expectSameSnapshots(run->snapshots(), saved);
    EXPECT_EQ(run->snapshots().size(), 3u) << "steps 0, 8 and 16";
    ASSERT_EQ(run->curve().size(), saved.metrics.size());
    EXPECT_EQ(run->curve().back().step, 16);
    EXPECT_TRUE(run->resumable()) << "an unfinished run continues where it stopped";

    run->start(session.spec(), QString(), QString(), {});
    ASSERT_TRUE(waitFor([&] { return !run->running(); }));
    EXPECT_EQ(readRunFolder(folder).metrics.back().step, 24);
    EXPECT_EQ(run->snapshots().back().step, 24);

    QSignalSpy failed(run, &TrainingRun::failed);
    run->open(dir.filePath("no-such-run"));
    ASSERT_TRUE(waitFor([&] { return failed.count() == 1; }));
    EXPECT_NE(failed.front().front().toString().indexOf("no-such-run"), -1);
}

TEST(TrainingRun, FollowsARunAnotherProcessIsWriting) {
    QTemporaryDir dir;
    const std::string folder = dir.filePath("live").toStdString();
    std::atomic<bool> started{false};
    std::thread writer([&] {  // what eigenscope-cli train does, slowed down
        Model model = Model::open("preset:cpu-paper-mqar-lru");
        const TrainOptions o = tinyTrainOptions(folder, 40, 5, 10);
        train(model, o, [&](const TrainProgress&) {
            started = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(40));
        });
    });
    ASSERT_TRUE(waitFor([&] { return bool(started); }));
    Session session;
    auto* run = session.training();
    run->open(QString::fromStdString(folder));
    ASSERT_TRUE(waitFor([&] { return run->following(); }, 10000)) << "an unfinished run is followed";
    const size_t first = run->snapshots().size();
    ASSERT_TRUE(waitFor([&] { return !run->following(); }, 60000)) << "following ends with the run";
    writer.join();
    EXPECT_LT(first, 5u);
    EXPECT_EQ(run->snapshots().size(), 5u) << "steps 0, 10, 20, 30, 40 as they were written";
    EXPECT_EQ(run->curve().back().step, 40);
    EXPECT_NE(run->modelFile().indexOf("checkpoint-40"), -1);
    EXPECT_FALSE(run->resumable());
}

TEST(TrainingRun, ARunWhoseLastRowIsLoggedButNotItsSnapshotIsStillFollowed) {
    // The trainer logs a step's metrics row, then writes its snapshot, then its checkpoint: a reader in between
    // must keep following, or it ends without the last snapshot.
    QTemporaryDir dir;
    const std::string folder = dir.filePath("run").toStdString();
    Model model = Model::open("preset:cpu-paper-mqar-lru");
    const TrainOptions o = tinyTrainOptions(folder, 20, 10, 10);
    train(model, o, [](const TrainProgress&) {});
    const auto last = std::filesystem::path(folder) / "snapshots" / "step-20.npz";
    const auto latest = std::filesystem::path(folder) / "latest";
    std::filesystem::rename(last, dir.filePath("held.npz").toStdString());
    std::ofstream(latest) << "checkpoint-10";  // the switch to checkpoint-20 not made yet
    Session session;
    auto* run = session.training();
    run->open(QString::fromStdString(folder));
    ASSERT_TRUE(waitFor([&] { return run->following(); }, 10000)) << "metrics at the last step, but no final checkpoint";
    std::filesystem::rename(dir.filePath("held.npz").toStdString(), last);
    std::ofstream(latest) << "checkpoint-20";
    ASSERT_TRUE(waitFor([&] { return !run->following(); }, 20000));
    EXPECT_EQ(run->snapshots().size(), 3u) << "steps 0, 10 and 20";
}

TEST(Board, AnalysesPresetsFilesAndRunsAndNamesWhatFails) {
    QTemporaryDir dir;
    const std::string folder = dir.filePath("run").toStdString();
    Model model = Model::open("preset:cpu-paper-mqar-lru");
    const TrainOptions o = tinyTrainOptions(folder, 4, TrainOptions{}.evalEvery, 2);
    train(model, o);
    const QString native = dir.filePath("model.safetensors");
    Model::open("preset:cpu-paper-mqar-softmax").save(native.toStdString());

    Board board;
    QSignalSpy finished(&board, &Board::finished);
    Session::Settings settings;
    settings.input = parseInputSpec("task:mqar:seq_len=16,kv_pairs=2,vocab=32");
    settings.input.batch = 2;
    const QString run = QString::fromStdString(folder);
    const QString checkpoint = run + "/checkpoint-4/model.safetensors";
    board.analyse({"preset:cpu-paper-mqar-mamba2", native, run, run + "@2", dir.filePath("missing.safetensors"), checkpoint},
                  settings, true);
    ASSERT_TRUE(waitFor([&] { return finished.count() == 1; }));
    const auto& entries = board.entries();
    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(entries[1].label, "cpu-paper-mqar-softmax") << "a file by its model's name";
    EXPECT_EQ(entries[5].label, "run @ step 4") << "a checkpoint by its run and step";
    EXPECT_EQ(entries[5].result->layers[0].mixer, "lru");
    EXPECT_EQ(entries[0].result->layers[0].mixer, "mamba2");
    EXPECT_EQ(entries[0].result->batch, 2);
    EXPECT_EQ(entries[1].result->layers[0].mixer, "softmax_attention");
    ASSERT_TRUE(entries[1].init);
    const RunFolder saved = readRunFolder(folder);
    EXPECT_EQ(entries[2].result->layers[0].eig, readAnalysisNpz(saved.snapshots.back().second).layers[0].eig) << "the last snapshot";
    EXPECT_EQ(entries[2].init->layers[0].eig, readAnalysisNpz(saved.snapshots.front().second).layers[0].eig) << "against the first";
    EXPECT_EQ(entries[2].resultLabel, "step 4");
    EXPECT_EQ(entries[3].resultLabel, "step 2");
    EXPECT_FALSE(entries[4].result);
    EXPECT_NE(entries[4].error.indexOf("missing.safetensors"), -1) << entries[4].error.toStdString();
}

}  // namespace
}  // namespace eigenscope::ui
