#include "panels/metrics_panel.h"

#include <QApplication>
#include <QClipboard>
#include <QFontMetrics>
#include <QHeaderView>
#include <QKeyEvent>

#include <algorithm>
#include <cmath>
#include <set>

namespace eigenscope::ui {

namespace {

QTableWidgetItem* numberItem(double value, int decimals) {
    auto* item = new QTableWidgetItem;
    if (std::isnan(value)) item->setText(QStringLiteral("–"));
    else item->setData(Qt::DisplayRole, decimals < 0 ? value : std::round(value * std::pow(10, decimals)) / std::pow(10, decimals));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

}  // namespace

MetricsPanel::MetricsPanel(QWidget* parent) : QTableWidget(parent) {
    setColumnCount(10);
    setHorizontalHeaderLabels({tr("layer"), tr("head"), tr("mixer"), tr("ρ (max |λ|)"), tr("mean |λ|"), tr("median |λ|"),
                               tr("near |λ|=1 %"), tr("median τ"), tr("horizon"), tr("alignment")});
    horizontalHeaderItem(6)->setToolTip(tr("percentage of eigenvalues with |λ| within 1 ± 0.1"));
    horizontalHeaderItem(7)->setToolTip(tr("median of −1/ln|λ| over |λ| < 1 (steps)"));
    horizontalHeaderItem(8)->setToolTip(tr("first k with R(k) < ε; – when R stays above ε"));
    horizontalHeaderItem(9)->setToolTip(tr("fraction of the task's query-key gaps within the horizon"));
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSortingEnabled(true);
    verticalHeader()->setVisible(false);
    // Widths from the header and the widest text a column shows, set once: fitting the columns to their contents
    // on every result costs about 10 ms per hundred rows on the GUI thread.
    const QStringList widest = {QStringLiteral("000"),      QStringLiteral("0000"),     QStringLiteral("gated_deltanet"),
                                QStringLiteral("00.00000"), QStringLiteral("00.00000"), QStringLiteral("00.00000"),
                                QStringLiteral("100.00"),   QStringLiteral("00000.000"), QStringLiteral("00000"),
                                QStringLiteral("0.000")};
    const QFontMetrics values(font()), headers(horizontalHeader()->font());
    for (int c = 0; c < columnCount(); ++c)
        setColumnWidth(c, std::max(headers.horizontalAdvance(horizontalHeaderItem(c)->text()) + 28,
                                   values.horizontalAdvance(widest[c]) + 16));
}

void MetricsPanel::setResult(const std::shared_ptr<const AnalysisResult>& result) {
    setSortingEnabled(false);
    setRowCount(0);
    if (!result) return;
    int rows = 0;
    for (const auto& layer : result->layers) rows += int(layer.metrics.size());
    setRowCount(rows);
    int row = 0;
    for (size_t l = 0; l < result->layers.size(); ++l) {
        const auto& layer = result->layers[l];
        for (size_t h = 0; h < layer.metrics.size(); ++h, ++row) {
            const auto& m = layer.metrics[h];
            setItem(row, 0, numberItem(double(layer.index), 0));
            setItem(row, 1, numberItem(double(headNumber(layer, int64_t(h))), 0));
            setItem(row, 2, new QTableWidgetItem(QString::fromStdString(layer.mixer)));
            setItem(row, 3, numberItem(m.spectralRadius, 5));
            setItem(row, 4, numberItem(m.meanAbs, 5));
            setItem(row, 5, numberItem(m.medianAbs, 5));
            setItem(row, 6, numberItem(100 * m.nearCircleFraction, 2));
            setItem(row, 7, numberItem(m.medianTau, 3));
            setItem(row, 8, numberItem(m.horizon < 0 ? NAN : double(m.horizon), 0));
            setItem(row, 9, numberItem(m.alignment, 3));
        }
    }
    setSortingEnabled(true);
}

QString MetricsPanel::toTsv(bool selectedOnly) const {
    std::set<int> rows;
    if (selectedOnly)
        for (const auto& index : selectionModel()->selectedRows()) rows.insert(index.row());
    if (rows.empty())
        for (int r = 0; r < rowCount(); ++r) rows.insert(r);
    QStringList lines;
    QStringList header;
    for (int c = 0; c < columnCount(); ++c) header << horizontalHeaderItem(c)->text();
    lines << header.join('\t');
    for (int r : rows) {
        QStringList cells;
        for (int c = 0; c < columnCount(); ++c) cells << (item(r, c) ? item(r, c)->text() : QString());
        lines << cells.join('\t');
    }
    return lines.join('\n') + '\n';
}

void MetricsPanel::copy() const { QApplication::clipboard()->setText(toTsv(true)); }

void MetricsPanel::keyPressEvent(QKeyEvent* event) {
    if (event->matches(QKeySequence::Copy)) {
        copy();
        return;
    }
    QTableWidget::keyPressEvent(event);
}

}  // namespace eigenscope::ui
