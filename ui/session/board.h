// A comparison board: several models analysed on the same input — presets, model files, Hugging Face folders, or a
// run folder's snapshot — each optionally beside its initialization (for a run, its first snapshot). The paper's
// figure of six architectures before and after training is a board of six run folders.
#pragma once

#include "eigenscope/analysis.h"
#include "session/session.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace eigenscope::ui {

class Worker;

class Board : public QObject {
    Q_OBJECT
public:
    struct Entry {
        QString source;  // preset:NAME, a model file or folder, RUNFOLDER (its last snapshot) or RUNFOLDER@STEP
        QString label;   // what the board calls it
        QString resultLabel = QStringLiteral("model");  // what the result is: a model, or a run's "step N"
        std::shared_ptr<const AnalysisResult> result, init;
        QString error;   // why it has no result
    };

    explicit Board(QObject* parent = nullptr);
    ~Board() override;

    // Analyses every source off the GUI thread with the settings' input, mode and device (a new call replaces a
    // running one); `withInit` adds each model's freshly initialized twin.
    void analyse(const QStringList& sources, const Session::Settings& settings, bool withInit);
    void cancel();
    bool busy() const;
    const std::vector<Entry>& entries() const { return entries_; }

Q_SIGNALS:
    void progress(double fraction, const QString& stage);
    void finished();  // entries() holds the new results (or their errors)

private:
    std::unique_ptr<Worker> worker_;
    std::vector<Entry> entries_;
};

}  // namespace eigenscope::ui
