import Link from 'next/link';
import type { ReactElement, ReactNode } from 'react';
import type { SecurityDashboard, TopRow } from '../../../lib/security/dashboard-types';
import { formatDuration, formatTime } from '../../../lib/security/format';
import { MailPanel } from './mail-panel';
import { TimeChart } from './time-chart';

const BASE = '/admin/security';

function TopTable({ caption, heading, rows }: { caption: string; heading: string; rows: readonly TopRow[] }): ReactElement {
  return (
    <table className="compact">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{heading}</th>
          <th scope="col">Failed sign-ins</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={2}>None in this window.</td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">
                <Link href={`${BASE}${row.eventsSearch}`}>{row.key}</Link>
              </th>
              <td>{row.count}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/**
 * The data part of the security dashboard, a pure function of the data: the server renders it first, the
 * live wrapper renders it again with each refresh. `filters` is the event filter form, rendered by the page.
 */
export function DashboardBody({ data, filters }: { data: SecurityDashboard; filters: ReactNode }): ReactElement {
  return (
    <>
      <section aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">Alerts</h2>
        {data.alerts.length === 0 ? (
          <p>No alerts in this window.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Alerts raised in this window, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Raised (UTC)</th>
                <th scope="col">Alert</th>
                <th scope="col">Subject</th>
                <th scope="col">Events</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            <tbody>
              {data.alerts.map((alert) => (
                <tr key={alert.id} data-alert-type={alert.type}>
                  <td>{formatTime(alert.raisedAt)}</td>
                  <th scope="row">
                    {alert.title} <code className="muted">{alert.type}</code>
                  </th>
                  <td>{alert.subject}</td>
                  <td>
                    {alert.count} in {formatDuration(alert.windowSeconds)}
                  </td>
                  <td>
                    <Link href={`${BASE}${alert.eventsSearch}#events-heading`}>{`Show ${alert.count} event${alert.count === 1 ? '' : 's'}`}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="activity-heading">
        <h2 id="activity-heading">Activity</h2>
        <div className="chart-grid">
          {data.charts.map((chart) => (
            <TimeChart key={chart.id} chart={chart} bucketSeconds={data.bucketSeconds} />
          ))}
        </div>
      </section>

      <section aria-labelledby="sources-heading">
        <h2 id="sources-heading">Sources of failed sign-ins</h2>
        <div className="two-columns">
          <TopTable caption="Top IP addresses by failed sign-ins" heading="IP address" rows={data.topIps} />
          <TopTable caption="Top accounts by failed sign-ins" heading="Account" rows={data.topAccounts} />
        </div>
      </section>

      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Active sessions</h2>
        <table className="compact">
          <caption>Active sessions by role</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Sessions</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(data.activeSessions).map(([role, count]) => (
              <tr key={role}>
                <th scope="row">{role}</th>
                <td>{count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <MailPanel mail={data.mail} />

      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Latest events</h2>
        {filters}
        <table>
          <caption className="visually-hidden">Latest audit events matching the filters, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Type</th>
              <th scope="col">Outcome</th>
              <th scope="col">User</th>
              <th scope="col">IP</th>
              <th scope="col">Session</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {data.events.length === 0 ? (
              <tr>
                <td colSpan={7}>No events match.</td>
              </tr>
            ) : (
              data.events.map((event) => (
                <tr key={event.id}>
                  <td>{formatTime(event.at)}</td>
                  <td>{event.type}</td>
                  <td className={event.outcome === 'failure' ? 'outcome-failure' : undefined}>{event.outcome === 'failure' ? 'failed / refused' : 'ok'}</td>
                  <td>{event.user ?? '—'}</td>
                  <td>{event.ip ?? '—'}</td>
                  <td>{event.sid ? <code title={event.sid}>{event.sid.slice(0, 8)}</code> : '—'}</td>
                  <td>{event.reason ?? ''}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
        {data.eventsTruncated ? <p className="muted">Only the newest {data.events.length} are shown; narrow the filters to see others.</p> : null}
      </section>
    </>
  );
}
