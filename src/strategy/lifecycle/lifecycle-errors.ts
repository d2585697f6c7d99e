import { XiezhiError } from '../../core/errors.ts'

/** The lifecycle's refusals, each with the pointer into the service's input it concerns. */

const iso = (ms: number | null) => new Date(ms ?? 0).toISOString()

export const unknownStrategy = (id: string) =>
  new XiezhiError('not_found', `Strategy "${id}" does not exist`, [{ pointer: '/id', code: 'unknown_strategy', message: `no strategy "${id}": create a draft first` }])

export const unknownVersion = (id: string, version: number, pointer = '/version') =>
  new XiezhiError('not_found', `Strategy "${id}" has no version ${version}`, [{ pointer, code: 'unknown_strategy_version', message: `no version ${version} of strategy "${id}"` }])

export const notADraft = (id: string, version: number, state: string, by: string | null, atMs: number | null) =>
  new XiezhiError('conflict', `Version ${version} of strategy "${id}" is not a draft any more`, [
    { pointer: '/version', code: 'not_a_draft', message: `it is ${state}${by ? ` (by ${by} at ${iso(atMs)})` : ''}: its document is frozen; create a new draft instead` },
  ])

export const notSubmitted = (id: string, version: number) =>
  new XiezhiError('conflict', `Version ${version} of strategy "${id}" has not been submitted`, [
    { pointer: '/version', code: 'not_submitted', message: 'it is a draft: a draft is submitted for approval first' },
  ])

/** A submission that ended short of approval: it can be neither approved nor ended again; its author writes a new draft. */
export const submissionEnded = (id: string, version: number, outcome: 'rejected' | 'withdrawn', by: string | null, atMs: number | null, note: string) =>
  new XiezhiError('conflict', `Version ${version} of strategy "${id}" was ${outcome}`, [
    {
      pointer: '/version',
      code: outcome === 'rejected' ? 'already_rejected' : 'already_withdrawn',
      message: `it is ${outcome} (by ${by} at ${iso(atMs)}${note ? `: ${note}` : ''}); write a new draft from it`,
    },
  ])

export const alreadyApproved = (id: string, version: number, by: string | null, atMs: number | null) =>
  new XiezhiError('conflict', `Version ${version} of strategy "${id}" was approved already`, [
    { pointer: '/version', code: 'already_approved', message: `approved by ${by} at ${iso(atMs)}` },
  ])

export const deploymentMoved = () =>
  new XiezhiError('conflict', 'Another deployment of the strategy landed while this one was being made; nothing was changed', [
    { pointer: '/id', code: 'deployment_moved', message: 'another change of what runs came first; look again and retry' },
  ])

export const nothingToRollBack = (id: string, why: string) =>
  new XiezhiError('conflict', `Strategy "${id}" has no earlier deployment to go back to`, [{ pointer: '/id', code: 'nothing_to_roll_back', message: why }])
