import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo } from 'react'
import { ApiError, api, onUnauthorized, syncServerClock } from './api/client.ts'
import type { Role, User } from './api/types.ts'

interface SessionState {
  user: User | null
  /** The tenant the workbench acts for: whose strategies, decisions and cases it shows. */
  tenantId: string | null
  loading: boolean
  /** True when the user has one of these roles (admin has them all). */
  can: (...roles: Role[]) => boolean
  signIn: (username: string, password: string) => Promise<void>
  signOut: () => Promise<void>
}

const SessionContext = createContext<SessionState | null>(null)
const sessionKey = ['session']

interface SignedIn {
  user: User
  tenantId: string
}

async function fetchSession(): Promise<SignedIn | null> {
  try {
    const { user, tenantId } = await api.get<{ user: User | null; tenantId: string }>('/v1/session')
    if (!user) return null
    await syncServerClock()
    return { user, tenantId }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null
    throw error
  }
}

/** Who is signed in (a session cookie, HttpOnly: the page never sees it), and sign-in / sign-out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient()
  const session = useQuery({ queryKey: sessionKey, queryFn: fetchSession, staleTime: Number.POSITIVE_INFINITY, retry: false })

  useEffect(
    () =>
      onUnauthorized(() => {
        // the session ended (expired, or signed out elsewhere): back to the sign-in page, nothing cached kept
        if (client.getQueryData(sessionKey)) {
          client.setQueryData(sessionKey, null)
          client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' })
        }
      }),
    [client],
  )

  const signIn = useCallback(
    async (username: string, password: string) => {
      const { user, tenantId } = await api.post<SignedIn>('/v1/session', { username, password })
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' })
      await syncServerClock()
      client.setQueryData<SignedIn>(sessionKey, { user, tenantId })
    },
    [client],
  )

  const signOut = useCallback(async () => {
    await api.delete('/v1/session').catch(() => undefined)
    client.clear()
    client.setQueryData(sessionKey, null)
  }, [client])

  const user = session.data?.user ?? null
  const tenantId = session.data?.tenantId ?? null
  const value = useMemo<SessionState>(
    () => ({
      user,
      tenantId,
      loading: session.isPending,
      can: (...roles) => !!user && user.roles.some((r) => r === 'admin' || roles.includes(r)),
      signIn,
      signOut,
    }),
    [user, tenantId, session.isPending, signIn, signOut],
  )
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

export function useSession(): SessionState {
  const state = useContext(SessionContext)
  if (!state) throw new Error('useSession outside SessionProvider')
  return state
}

/** The signed-in user as the API records it: `user:<name>`. */
export const actorOf = (user: User | null) => (user ? `user:${user.username}` : '')
