import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.tsx'
import './i18n/i18n.ts'
import './styles.css'

const queryClient = new QueryClient({
  defaultOptions: {
    // the API's problems are answers, not network failures: retrying a 4xx changes nothing
    queries: { retry: (count, error) => count < 2 && !('status' in error && typeof error.status === 'number' && error.status < 500), staleTime: 10_000, refetchOnWindowFocus: true },
  },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
)
