// The training dashboard's chart, in Qt Charts: loss (log axis, left), evaluation accuracy (right) and learning rate
// (log axis, right) over the steps of the live or opened run, with other runs overlaid in paler lines. The legend
// sits below the data; the chart follows the application's light or dark theme.
#pragma once

#include "session/training_run.h"

#include <QChartView>
#include <QString>

#include <vector>

class QLineSeries;
class QLogValueAxis;
class QValueAxis;

namespace eigenscope::ui {

class TrainingChart : public QChartView {
    Q_OBJECT
public:
    using Point = TrainingRun::Point;
    struct Run {
        QString name;
        std::vector<Point> points;
    };

    explicit TrainingChart(QWidget* parent = nullptr);
    // The main run: replaced whole, or grown a point at a time while it trains.
    void setRun(const Run& run);
    void add(const Point& point);
    // Runs drawn beside the main one (loss and accuracy).
    void setOverlays(const std::vector<Run>& runs);
    // Points plotted, over every series.
    qsizetype pointCount() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyTheme();
    void fitAxes();

    QLineSeries* loss_ = nullptr;
    QLineSeries* accuracy_ = nullptr;
    QLineSeries* lr_ = nullptr;
    std::vector<QLineSeries*> overlays_;
    QValueAxis* steps_ = nullptr;
    QLogValueAxis* lossAxis_ = nullptr;
    QValueAxis* accuracyAxis_ = nullptr;
    QLogValueAxis* lrAxis_ = nullptr;
    int lastStep_ = 0;
    double lossLo_ = 1, lossHi_ = 1, lrLo_ = 1, lrHi_ = 1;
};

}  // namespace eigenscope::ui
