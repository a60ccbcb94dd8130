#include "session/board.h"

#include "eigenscope/analysis_export.h"
#include "eigenscope/error.h"
#include "eigenscope/model.h"
#include "eigenscope/train.h"
#include "session/worker.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cstring>

namespace eigenscope::ui {

namespace {

// A run folder's snapshot (the last one, or RUNFOLDER@STEP), with its first snapshot as the init.
Board::Entry runSnapshot(Board::Entry entry, const QString& folder, int64_t step) {
    const RunFolder run = readRunFolder(folder.toStdString());
    if (run.snapshots.empty()) throw Error(folder.toStdString() + ": the run has no spectrum snapshots");
    auto chosen = run.snapshots.back();
    if (step >= 0) {
        const auto found = std::find_if(run.snapshots.begin(), run.snapshots.end(), [&](const auto& s) { return s.first == step; });
        if (found == run.snapshots.end())
            throw Error(folder.toStdString() + ": no snapshot at step " + std::to_string(step));
        chosen = *found;
    }
    entry.result = std::make_shared<const AnalysisResult>(readAnalysisNpz(chosen.second));
    entry.init = std::make_shared<const AnalysisResult>(readAnalysisNpz(run.snapshots.front().second));
    entry.label = QFileInfo(folder).fileName() + QStringLiteral(" @ step %1").arg(chosen.first);
    entry.resultLabel = QStringLiteral("step %1").arg(chosen.first);
    return entry;
}

// A run's checkpoint by its run and step, another file by the model's own name (several checkpoints are all
// "model.safetensors"), else by its file name.
QString fileLabel(const QString& source, const Model& model) {
    const QFileInfo file(source);
    const QString folder = file.dir().dirName();
    if (folder.startsWith("checkpoint-") && QFileInfo::exists(file.dir().filePath("../run.json"))) {
        QDir run = file.dir();
        run.cdUp();
        return run.dirName() + QStringLiteral(" @ step ") + folder.mid(int(std::strlen("checkpoint-")));
    }
    return model.spec().name.empty() ? file.fileName() : QString::fromStdString(model.spec().name);
}

Board::Entry analyseEntry(const QString& source, const Session::Settings& settings, bool withInit,
                          const std::atomic<bool>& cancel) {
    Board::Entry entry;
    entry.source = source;
    entry.label = source.startsWith("preset:") ? source.mid(7) : QFileInfo(source).fileName();
    const int at = source.lastIndexOf('@');
    const QString folder = at > 0 ? source.left(at) : source;
    if (QFileInfo::exists(folder + "/run.json")) {
        bool numeric = false;
        const int64_t step = at > 0 ? source.mid(at + 1).toLongLong(&numeric) : -1;
        if (at > 0 && !numeric) throw Error(source.toStdString() + ": expected RUNFOLDER@STEP");
        return runSnapshot(entry, folder, step);
    }
    AnalysisOptions options;
    options.mode = settings.mode.toStdString();
    options.device = settings.device.toStdString();
    options.impulseSources = {0};
    options.cancel = &cancel;
    const Model model = Model::open(source.toStdString());
    entry.label = fileLabel(source, model);
    entry.result = std::make_shared<const AnalysisResult>(analyze(model, settings.input, options));
    if (withInit) entry.init = std::make_shared<const AnalysisResult>(analyze(model.freshlyInitialized(), settings.input, options));
    return entry;
}

}  // namespace

Board::Board(QObject* parent) : QObject(parent), worker_(std::make_unique<Worker>(Worker::Policy::LatestWins)) {
    connect(worker_.get(), &Worker::progress, this,
            [this](quint64, double fraction, const QString& stage) { Q_EMIT progress(fraction, stage); });
}

Board::~Board() = default;

void Board::analyse(const QStringList& sources, const Session::Settings& settings, bool withInit) {
    worker_->cancel();
    worker_->submit(
        [sources, settings, withInit](const Worker::Context& context) {
            std::vector<Entry> out;
            for (int i = 0; i < sources.size(); ++i) {
                if (context.cancel) throw Cancelled();
                context.progress(double(i) / double(sources.size()), sources[i].toStdString());
                try {
                    out.push_back(analyseEntry(sources[i], settings, withInit, context.cancel));
                } catch (const Cancelled&) {
                    throw;
                } catch (const std::exception& e) {
                    Entry failed;
                    failed.source = failed.label = sources[i];
                    failed.error = QString::fromStdString(e.what());
                    out.push_back(failed);
                }
            }
            context.progress(1.0, "done");
            return out;
        },
        [this](const Worker::Outcome& outcome) {
            if (outcome.cancelled || !outcome.error.isEmpty()) return;
            entries_ = std::any_cast<std::vector<Entry>>(outcome.value);
            Q_EMIT finished();
        });
}

void Board::cancel() { worker_->cancel(); }

bool Board::busy() const { return worker_->busy(); }

}  // namespace eigenscope::ui
