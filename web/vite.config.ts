import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The workbench: built into web/dist (`npm run build:web`, run by `npm ci`
 * through `prepare`) and served by the API server at `/`. `npm run dev:web`
 * serves it with hot reload, calling the API of a server on :8710.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2_000,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': { target: process.env.XIEZHI_API ?? 'http://127.0.0.1:8710', changeOrigin: false } },
  },
})
