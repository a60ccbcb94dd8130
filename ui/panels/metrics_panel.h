// The per layer and head metrics as a sortable table; Ctrl+C copies the selected rows (or all) as TSV.
#pragma once

#include "eigenscope/analysis.h"

#include <QTableWidget>

#include <memory>

namespace eigenscope::ui {

class MetricsPanel : public QTableWidget {
    Q_OBJECT
public:
    explicit MetricsPanel(QWidget* parent = nullptr);
    void setResult(const std::shared_ptr<const AnalysisResult>& result);
    // Tab-separated header and rows: the selected rows, or every row when none is selected.
    QString toTsv(bool selectedOnly) const;
    void copy() const;

protected:
    void keyPressEvent(QKeyEvent* event) override;
};

}  // namespace eigenscope::ui
