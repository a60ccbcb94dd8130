#include "plots/training_chart.h"

#include "plots/plot_widget.h"

#include <QChart>
#include <QEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>

#include <cmath>

namespace eigenscope::ui {

namespace {

QLineSeries* series(const QString& name, const QColor& colour, Qt::PenStyle style = Qt::SolidLine, double width = 1.8) {
    auto* s = new QLineSeries;
    s->setName(name);
    QPen pen(colour, width);
    pen.setStyle(style);
    s->setPen(pen);
    return s;
}

}  // namespace

TrainingChart::TrainingChart(QWidget* parent) : QChartView(parent) {
    auto* chart = new QChart;
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    loss_ = series(tr("training loss"), categoricalColour(3));
    accuracy_ = series(tr("evaluation accuracy"), categoricalColour(2));
    lr_ = series(tr("learning rate"), categoricalColour(7), Qt::DashLine, 1.2);
    for (auto* s : {loss_, accuracy_, lr_}) chart->addSeries(s);
    steps_ = new QValueAxis;
    steps_->setTitleText(tr("step"));
    steps_->setLabelFormat(QStringLiteral("%d"));
    lossAxis_ = new QLogValueAxis;
    lossAxis_->setTitleText(tr("loss"));
    lossAxis_->setLabelFormat(QStringLiteral("%.3g"));
    accuracyAxis_ = new QValueAxis;
    accuracyAxis_->setTitleText(tr("accuracy"));
    accuracyAxis_->setRange(0, 1);
    lrAxis_ = new QLogValueAxis;
    lrAxis_->setTitleText(tr("learning rate"));
    lrAxis_->setLabelFormat(QStringLiteral("%.0e"));
    QFont small = lrAxis_->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    lrAxis_->setLabelsFont(small);  // a third axis in a narrow panel
    chart->addAxis(steps_, Qt::AlignBottom);
    chart->addAxis(lossAxis_, Qt::AlignLeft);
    chart->addAxis(accuracyAxis_, Qt::AlignRight);
    chart->addAxis(lrAxis_, Qt::AlignRight);
    for (auto* s : {loss_, accuracy_, lr_}) s->attachAxis(steps_);
    loss_->attachAxis(lossAxis_);
    accuracy_->attachAxis(accuracyAxis_);
    lr_->attachAxis(lrAxis_);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(240);
    applyTheme();
    fitAxes();
}

void TrainingChart::setRun(const Run& run) {
    for (auto* s : {loss_, accuracy_, lr_}) s->clear();
    lastStep_ = 0;
    lossLo_ = lossHi_ = lrLo_ = lrHi_ = NAN;
    for (const auto& p : run.points) add(p);
    fitAxes();
}

void TrainingChart::add(const Point& p) {
    // Log axes show positive values only; a run's evaluation accuracy comes at its evaluation steps.
    if (p.loss > 0 && std::isfinite(p.loss)) {
        loss_->append(p.step, p.loss);
        lossLo_ = std::isnan(lossLo_) ? p.loss : std::min(lossLo_, p.loss);
        lossHi_ = std::isnan(lossHi_) ? p.loss : std::max(lossHi_, p.loss);
    }
    if (std::isfinite(p.accuracy) && (accuracy_->count() == 0 || accuracy_->at(accuracy_->count() - 1).y() != p.accuracy ||
                                      accuracy_->at(accuracy_->count() - 1).x() != p.step))
        accuracy_->append(p.step, p.accuracy);
    if (p.lr > 0 && std::isfinite(p.lr)) {
        lr_->append(p.step, p.lr);
        lrLo_ = std::isnan(lrLo_) ? p.lr : std::min(lrLo_, p.lr);
        lrHi_ = std::isnan(lrHi_) ? p.lr : std::max(lrHi_, p.lr);
    }
    lastStep_ = std::max(lastStep_, p.step);
    fitAxes();
}

void TrainingChart::setOverlays(const std::vector<Run>& runs) {
    for (auto* s : overlays_) {
        chart()->removeSeries(s);
        delete s;
    }
    overlays_.clear();
    for (size_t i = 0; i < runs.size(); ++i) {
        QColor colour = categoricalColour(int(i) + 4);
        colour.setAlpha(150);
        auto* loss = series(runs[i].name + tr(": loss"), colour, Qt::SolidLine, 1.2);
        auto* accuracy = series(runs[i].name + tr(": accuracy"), colour, Qt::DotLine, 1.2);
        for (const auto& p : runs[i].points) {
            if (p.loss > 0 && std::isfinite(p.loss)) {
                loss->append(p.step, p.loss);
                lossLo_ = std::isnan(lossLo_) ? p.loss : std::min(lossLo_, p.loss);
                lossHi_ = std::isnan(lossHi_) ? p.loss : std::max(lossHi_, p.loss);
            }
            if (std::isfinite(p.accuracy)) accuracy->append(p.step, p.accuracy);
            lastStep_ = std::max(lastStep_, p.step);
        }
        for (auto* s : {loss, accuracy}) {
            chart()->addSeries(s);
            s->attachAxis(steps_);
            overlays_.push_back(s);
        }
        loss->attachAxis(lossAxis_);
        accuracy->attachAxis(accuracyAxis_);
    }
    fitAxes();
}

qsizetype TrainingChart::pointCount() const {
    qsizetype n = loss_->count() + accuracy_->count() + lr_->count();
    for (const auto* s : overlays_) n += s->count();
    return n;
}

void TrainingChart::fitAxes() {
    steps_->setRange(0, std::max(1, lastStep_));
    // Whole decades around the data, so the log axes always have labelled ticks.
    const auto decades = [](QLogValueAxis* axis, double lo, double hi, double fallbackLo, double fallbackHi) {
        if (std::isnan(lo)) {
            axis->setRange(fallbackLo, fallbackHi);
            return;
        }
        double floor = std::pow(10.0, std::floor(std::log10(lo))), ceil = std::pow(10.0, std::ceil(std::log10(hi)));
        if (ceil <= floor) ceil = floor * 10;
        axis->setRange(floor, ceil);
    };
    decades(lossAxis_, lossLo_, lossHi_, 0.1, 10);
    decades(lrAxis_, lrLo_, lrHi_, 1e-4, 1e-2);
}

void TrainingChart::applyTheme() {
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    std::vector<std::pair<QLineSeries*, QPen>> pens;  // a theme resets the series' pens: keep ours
    for (auto* s : {loss_, accuracy_, lr_}) pens.emplace_back(s, s->pen());
    for (auto* s : overlays_) pens.emplace_back(s, s->pen());
    chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setBackgroundRoundness(0);
    for (auto& [s, pen] : pens) s->setPen(pen);
}

void TrainingChart::changeEvent(QEvent* event) {
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) applyTheme();
}

}  // namespace eigenscope::ui
