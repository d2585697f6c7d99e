import dayjs from 'dayjs'
import { currentLanguage } from './i18n/i18n.ts'

/** Amounts are kept in minor units (fen); shown in yuan. */
export function money(minor: number | null | undefined): string {
  if (minor === null || minor === undefined) return '—'
  return new Intl.NumberFormat(currentLanguage() === 'zh' ? 'zh-CN' : 'en-US', { style: 'currency', currency: 'CNY', maximumFractionDigits: 2 }).format(minor / 100)
}

export function percent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—'
  return `${(rate * 100).toFixed(digits)} %`
}

export function decimal(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return Number.isInteger(value) ? String(value) : value.toFixed(digits).replace(/0+$/, '').replace(/\.$/, '')
}

export function dateTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '—'
  return dayjs(at).format('YYYY-MM-DD HH:mm:ss')
}

export function shortTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '—'
  return dayjs(at).format('MM-DD HH:mm')
}

/** 1 h 05 m, 3 d 2 h: a duration in its two largest units. */
export function duration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000)
  const days = Math.floor(minutes / 1_440)
  const hours = Math.floor((minutes % 1_440) / 60)
  const rest = minutes % 60
  const zh = currentLanguage() === 'zh'
  if (days > 0) return zh ? `${days}天${hours}小时` : `${days} d ${hours} h`
  if (hours > 0) return zh ? `${hours}小时${rest}分` : `${hours} h ${String(rest).padStart(2, '0')} m`
  return zh ? `${rest}分钟` : `${rest} min`
}

/** `user:alice` → `alice`; `key:…` and `system` as they are. */
export function actorName(actor: string | null | undefined): string {
  if (!actor) return '—'
  return actor.startsWith('user:') ? actor.slice(5) : actor
}
