import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import { en } from './en.ts'
import { zh } from './zh.ts'

export type Language = 'zh' | 'en'
const storageKey = 'xiezhi.language'

function initialLanguage(): Language {
  const stored = localStorage.getItem(storageKey)
  if (stored === 'zh' || stored === 'en') return stored
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

/** Chinese first: the lenders Xiezhi serves work in it; every string has its English beside it. */
export const i18n = i18next.createInstance()
void i18n.use(initReactI18next).init({
  resources: { zh: { translation: zh }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
})
applyLanguage(i18n.language as Language)

function applyLanguage(language: Language) {
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en'
  dayjs.locale(language === 'zh' ? 'zh-cn' : 'en')
}

export async function setLanguage(language: Language) {
  localStorage.setItem(storageKey, language)
  applyLanguage(language)
  await i18n.changeLanguage(language)
}

export const currentLanguage = (): Language => (i18n.language === 'zh' ? 'zh' : 'en')
